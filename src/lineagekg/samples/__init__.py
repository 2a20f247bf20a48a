"""Record-level lineage checks: read a dataset's records, find them in other datasets (exact and
near-duplicate), set what was measured next to what the lineage graph predicts, and sample a
diverse training set from the roots of the graph.

One module per idea: ``records`` (reading files), ``normalise`` (the one text normalisation),
``overlap`` (exact hashes and MinHash LSH), ``registry`` (sample files and measurements as PROV in
the store), ``agreement`` (lineage-predicted against measured overlap, and its cost),
``contamination`` (benchmark items found where the graph says they flow), ``diversity`` (Vendi
Score and Centroid Distance) and ``diverse`` (the lineage-aware sample).
"""
