-- Run once on a fresh database (isql): the public SPARQL endpoint may update (lineagekg writes
-- through it), and Virtuoso's own schema graph is private, so queries over the union of all
-- graphs see only the data; the service description and LDP graphs of a fresh database go.
GRANT SPARQL_UPDATE TO "SPARQL";    -- an error "already have role" when the build grants it: harmless
DB.DBA.RDF_GRAPH_GROUP_CREATE ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs', 1);
DB.DBA.RDF_GRAPH_GROUP_INS ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs', 'http://www.openlinksw.com/schemas/virtrdf#');
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7, 0);
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0, 1);
SPARQL CLEAR GRAPH <http://www.w3.org/ns/ldp#>;
SPARQL CLEAR GRAPH <http://localuriqaserver/sparql>;
