/* lineagekg explorer: search a dataset, draw its lineage neighbourhood (cytoscape + dagre),
   read the evidence of an edge, follow a benchmark's contamination paths, run SPARQL.
   Plain JavaScript, no build step; talks only to this gateway (/api/v1, /sparql). */
(function () {
  "use strict";

  // --- constants -------------------------------------------------------------------------------

  // The paper's five relation families (lk:includedFrom ...): colour (Okabe-Ito) and line style,
  // so that colour is never the only cue.
  const FAMILIES = [
    { key: "includedFrom", label: "included (inclusion, subset)", color: "#0072B2", style: "solid", dash: null },
    { key: "fusedFrom", label: "fused (structured fusion)", color: "#E69F00", style: "dashed", dash: [10, 5] },
    { key: "generatedFrom", label: "generated (synthetic generation)", color: "#009E73", style: "dotted", dash: null },
    { key: "evolvedFrom", label: "evolved (semantic evolution)", color: "#CC79A7", style: "dashed", dash: [12, 4, 2, 4] },
    { key: "distilledFrom", label: "distilled (CoT distillation)", color: "#D55E00", style: "dashed", dash: [16, 4, 2, 4, 2, 4] },
  ];
  const OTHER = { key: "other", label: "other or unknown relation", color: "#7f7f7f", style: "solid", dash: null };
  const FAMILY_KEYS = new Set(FAMILIES.map((f) => f.key));
  // Beyond one hop, a level (side and distance) shows at most this many datasets; the rest are
  // collapsed into one "+N more" node that expands when clicked.
  const LEVEL_BUDGET = 16;
  const MAX_ROWS_SHOWN = 1000;
  const SAFE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:[^<>"{}|^`\\\s]+$/;

  const $ = (id) => document.getElementById(id);

  const state = {
    focus: null,          // dataset item of the focus
    direction: "both",
    depth: 3,
    lineage: null,        // the last /api/v1/lineage answer
    expanded: new Set(),  // collapsed levels the user opened ("up:2")
    pinned: new Map(),    // id -> node item kept visible (witness path nodes)
    pinnedEdges: [],      // edges added for a witness path
    witness: null,        // {benchmark, dataset, nodes, relations}
    loadSeq: 0,
    examples: new Map(),  // query name -> library query
  };

  // --- small helpers ---------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function link(href, text) {
    // Only web links become anchors (documents imported from files keep their IRI as text).
    if (typeof href === "string" && /^https?:\/\//.test(href)) {
      return el("a", { href, rel: "noopener noreferrer", target: "_blank" }, text || href);
    }
    return el("span", { class: "mono" }, text || href || "");
  }

  function familyOf(key) {
    return FAMILIES.find((f) => f.key === key) || OTHER;
  }

  function chip(relation, family) {
    const cls = FAMILY_KEYS.has(family) ? family : (FAMILY_KEYS.has(relation) ? relation : "");
    const title = family && family !== relation ? `family: ${family}` : null;
    return el("span", { class: `chip ${cls}`, title }, relation || family || "relation unknown");
  }

  function fmtConfidence(value) {
    if (value === null || value === undefined || value === "") return null;
    const number = Number(value);
    return Number.isFinite(number) ? number.toFixed(2) : String(value);
  }

  function shortLabel(id) {
    return id.length > 34 ? id.slice(0, 33) + "…" : id;
  }

  class ApiError extends Error {
    constructor(status, body) {
      let text;
      if (body && typeof body === "object") {
        text = [body.title, body.detail].filter(Boolean).join(": ") || JSON.stringify(body);
        if (body.hint) text += ` (${body.hint})`;
      } else {
        text = `HTTP ${status}: ${String(body || "").slice(0, 300)}`;
      }
      super(text);
      this.status = status;
      this.body = body;
    }
  }

  async function getJSON(path, params) {
    const url = new URL(path, window.location.origin);
    for (const [key, value] of Object.entries(params || {})) {
      if (Array.isArray(value)) value.forEach((v) => url.searchParams.append(key, v));
      else if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, value);
    }
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const type = response.headers.get("content-type") || "";
    const body = type.includes("json") ? await response.json() : await response.text();
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  function message(container, text, kind) {
    container.replaceChildren(el("p", { class: kind || "muted", role: kind === "error" ? "alert" : null }, text));
  }

  // --- combobox (search with autocomplete; ARIA 1.2 combobox pattern) --------------------------

  class Combobox {
    constructor(input, list, { search, choose, empty }) {
      this.input = input;
      this.list = list;
      this.search = search;
      this.onChoose = choose;
      this.emptyText = empty;
      this.items = [];
      this.active = -1;
      this.seq = 0;
      this.timer = null;
      input.addEventListener("input", () => {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.refresh(), 150);
      });
      input.addEventListener("keydown", (ev) => this.key(ev));
      input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    }

    async refresh() {
      const query = this.input.value.trim();
      const seq = ++this.seq;
      if (!query) { this.close(); return; }
      let items;
      try {
        items = await this.search(query);
      } catch (err) {
        items = [];
      }
      if (seq !== this.seq) return;
      this.items = items;
      this.active = -1;
      this.render();
    }

    render() {
      const id = this.list.id;
      const options = this.items.map((item, i) => el("li", {
        id: `${id}-${i}`, role: "option", "aria-selected": i === this.active ? "true" : "false",
        "data-id": item.id,
        onmousedown: (ev) => { ev.preventDefault(); this.choose(i); },
      }, el("span", {}, item.id), el("span", { class: "kind" }, describeKind(item))));
      if (!options.length) options.push(el("li", { class: "empty", role: "option", "aria-disabled": "true" }, this.emptyText));
      this.list.replaceChildren(...options);
      this.list.hidden = false;
      this.input.setAttribute("aria-expanded", "true");
      if (this.active >= 0) this.input.setAttribute("aria-activedescendant", `${id}-${this.active}`);
      else this.input.removeAttribute("aria-activedescendant");
      const current = this.active >= 0 ? this.list.children[this.active] : null;
      if (current) current.scrollIntoView({ block: "nearest" });
    }

    close() {
      this.list.hidden = true;
      this.input.setAttribute("aria-expanded", "false");
      this.input.removeAttribute("aria-activedescendant");
      this.active = -1;
    }

    isOpen() { return !this.list.hidden; }

    key(ev) {
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        if (!this.isOpen()) { this.refresh(); return; }
        if (!this.items.length) return;
        const step = ev.key === "ArrowDown" ? 1 : -1;
        this.active = (this.active + step + this.items.length) % this.items.length;
        this.render();
      } else if (ev.key === "Enter" && this.isOpen() && this.active >= 0) {
        ev.preventDefault();
        this.choose(this.active);
      } else if (ev.key === "Escape") {
        this.close();
      }
    }

    choose(index) {
      const item = this.items[index];
      if (!item) return;
      this.input.value = item.id;
      this.close();
      this.onChoose(item);
    }
  }

  function describeKind(item) {
    const kinds = [];
    if (item.is_benchmark) kinds.push("benchmark");
    if (item.is_root) kinds.push("root");
    if (item.label && item.label !== item.id) kinds.push(item.label);
    return kinds.join(" · ");
  }

  async function searchDatasets(query, limit) {
    const data = await getJSON("/api/v1/datasets", { q: query, limit: limit || 20 });
    return data.items || [];
  }

  // --- the graph -------------------------------------------------------------------------------

  let cy = null;

  function graphStyle() {
    const style = [
      { selector: "node", style: {
        "label": "data(label)", "text-wrap": "wrap", "text-max-width": "230px",
        "font-size": 11, "font-family": "DejaVu Sans, sans-serif", "color": "#1b2733",
        "text-valign": "center", "text-halign": "right", "text-margin-x": 5,
        "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": 1,
        "background-color": "#b8c7d9", "border-color": "#5b7089", "border-width": 1.5,
        "width": 22, "height": 22,
      } },
      { selector: "node.root", style: { "shape": "round-rectangle", "background-color": "#d9e1ea", "border-width": 3, "border-color": "#2f3e4e" } },
      { selector: "node.benchmark", style: { "shape": "diamond", "background-color": "#F0E442", "border-color": "#7a6000", "border-width": 2.5, "width": 28, "height": 28 } },
      { selector: "node.more", style: { "border-style": "dashed", "border-width": 3, "border-color": "#2f3e4e" } },
      { selector: "node.focus", style: { "width": 36, "height": 36, "border-width": 4, "border-color": "#111111", "font-weight": "bold", "font-size": 13, "z-index": 10 } },
      { selector: "node.summary", style: {
        "shape": "round-rectangle", "background-color": "#f4f6f8", "border-style": "dashed", "border-color": "#5b7089",
        "width": 30, "height": 18, "font-style": "italic", "color": "#3c4a57",
      } },
      { selector: "edge", style: {
        "curve-style": "bezier", "width": 2.5, "line-color": OTHER.color, "target-arrow-color": OTHER.color,
        "target-arrow-shape": "triangle", "arrow-scale": 1.1, "opacity": 0.9,
      } },
      { selector: "edge.summary-edge", style: { "line-style": "dashed", "line-dash-pattern": [3, 3], "width": 1.5, "opacity": 0.6 } },
      { selector: "edge.split-edge", style: { "line-style": "dotted", "target-arrow-shape": "none", "label": "split", "font-size": 10 } },
      { selector: "edge:selected, edge.chosen", style: {
        "width": 5, "label": "data(relation)", "font-size": 11, "text-rotation": "autorotate",
        "text-background-color": "#ffffff", "text-background-opacity": 0.9, "text-background-padding": 2,
        "underlay-color": "#0b5cad", "underlay-opacity": 0.25, "underlay-padding": 4,
      } },
      { selector: ".faded", style: { "opacity": 0.18 } },
      { selector: "node.witness", style: { "underlay-color": "#ffd400", "underlay-opacity": 0.85, "underlay-padding": 8, "underlay-shape": "ellipse", "opacity": 1 } },
      { selector: "edge.witness", style: { "width": 6, "underlay-color": "#ffd400", "underlay-opacity": 0.85, "underlay-padding": 5, "opacity": 1, "z-index": 20 } },
    ];
    for (const family of FAMILIES) {
      const rule = { "line-color": family.color, "target-arrow-color": family.color, "line-style": family.style };
      if (family.dash) rule["line-dash-pattern"] = family.dash;
      if (family.style === "dotted") rule["width"] = 3;
      style.splice(style.length - 4, 0, { selector: `edge.${family.key}`, style: rule });
    }
    return style;
  }

  function initGraph() {
    cy = window.cytoscape({
      container: $("graph"),
      style: graphStyle(),
      minZoom: 0.08,
      maxZoom: 2.5,
      boxSelectionEnabled: false,
      selectionType: "single",
    });
    cy.on("tap", "node", (ev) => {
      const node = ev.target;
      if (node.hasClass("summary")) {
        state.expanded.add(node.data("group"));
        draw();
      } else if (state.focus && node.id() === state.focus.id) {
        showDataset(node.id());
      } else {
        focusOn(node.id());
      }
    });
    cy.on("tap", "edge", (ev) => {
      const edge = ev.target;
      if (edge.hasClass("summary-edge") || edge.hasClass("split-edge")) return;
      cy.edges(".chosen").removeClass("chosen");
      edge.addClass("chosen");
      showEvidence({ source: edge.data("source"), target: edge.data("target"),
        relation: edge.data("relation"), family: edge.data("family") });
    });
    const hover = $("hover-info");
    cy.on("mouseover", "node", (ev) => { hover.textContent = ev.target.data("full") || ""; });
    cy.on("mouseover", "edge", (ev) => {
      const e = ev.target;
      hover.textContent = e.hasClass("summary-edge") ? "" :
        `${e.data("source")} → ${e.data("target")} (${e.data("relation") || "relation unknown"})`;
    });
    cy.on("mouseout", () => { hover.textContent = ""; });
  }

  function edgeKey(e) {
    return e.edge || `${e.source}>${e.target}>${e.relation || ""}`;
  }

  // Build the cytoscape elements of the current lineage: the focus neighbourhood the endpoint sent,
  // witness-path nodes pinned on top, far crowded levels collapsed.
  function buildElements() {
    const lineage = state.lineage;
    const focus = lineage.focus;
    const items = new Map();
    for (const n of lineage.nodes || []) items.set(n.id, n);
    if (!items.has(focus.id)) items.set(focus.id, Object.assign({ side: "focus", distance: 0 }, focus));
    for (const [id, n] of state.pinned) if (!items.has(id)) items.set(id, n);

    const edges = new Map();
    for (const e of (lineage.edges || []).concat(state.pinnedEdges)) {
      if (!items.has(e.source) || !items.has(e.target)) continue;
      const key = edgeKey(e);
      if (!edges.has(key)) edges.set(key, e);
    }

    // Collapse crowded levels, level by level outwards from the focus on each side: a level
    // keeps at most LEVEL_BUDGET datasets that hang on a dataset kept one level in (unless the
    // user expanded it); the others go into one "+N more" node per level.
    const neighbours = new Map();
    for (const e of edges.values()) {
      if (!neighbours.has(e.source)) neighbours.set(e.source, new Set());
      if (!neighbours.has(e.target)) neighbours.set(e.target, new Set());
      neighbours.get(e.source).add(e.target);
      neighbours.get(e.target).add(e.source);
    }
    const levels = new Map();
    for (const n of items.values()) {
      if (n.id === focus.id) continue;
      const group = `${n.side === "up" ? "up" : "down"}:${n.distance || 1}`;
      if (!levels.has(group)) levels.set(group, []);
      levels.get(group).push(n);
    }
    const kept = new Set([focus.id, ...state.pinned.keys()]);
    const collapsedInto = new Map();
    const summaries = [];
    const order = [...levels.keys()].sort((a, b) => Number(a.split(":")[1]) - Number(b.split(":")[1]));
    for (const group of order) {
      const [side, distance] = group.split(":");
      const inner = new Set([focus.id]);
      for (const n of levels.get(`${side}:${Number(distance) - 1}`) || []) if (kept.has(n.id)) inner.add(n.id);
      const hangs = (n) => [...(neighbours.get(n.id) || [])].some((m) => inner.has(m));
      const members = levels.get(group).slice().sort((a, b) =>
        (kept.has(b.id) - kept.has(a.id)) || (hangs(b) - hangs(a)) ||
        ((b.is_benchmark ? 1 : 0) - (a.is_benchmark ? 1 : 0)) || a.id.localeCompare(b.id));
      const open = state.expanded.has(group);
      const hidden = [];
      let shown = 0;
      for (const n of members) {
        if (kept.has(n.id) || open || (hangs(n) && shown < LEVEL_BUDGET)) { kept.add(n.id); shown++; }
        else hidden.push(n);
      }
      if (!hidden.length) continue;
      const summaryId = `collapsed:${group}`;
      for (const n of hidden) collapsedInto.set(n.id, summaryId);
      const where = side === "up" ? "upstream" : "downstream";
      const hops = `${distance} hop${distance === "1" ? "" : "s"}`;
      summaries.push({ group: "nodes", classes: "summary", data: {
        id: summaryId, group, count: hidden.length,
        label: `+${hidden.length} more\n(${where}, ${hops})`,
        full: `${hidden.length} more datasets ${hops} ${where}: click to show them`,
      } });
    }

    const upward = state.direction !== "down";
    const elements = [];
    for (const n of items.values()) {
      if (collapsedInto.has(n.id)) continue;
      const classes = [];
      if (n.id === focus.id) classes.push("focus");
      if (n.is_benchmark) classes.push("benchmark");
      if (n.is_root === true) classes.push("root");
      // lineage further out than the view shows: the endpoint says so (expandable), or, when it
      // does not, an upstream node at the depth limit that is not a root
      const more = typeof n.expandable === "boolean" ? n.expandable
        : upward && n.side === "up" && (n.distance || 0) >= state.depth && n.is_root === false;
      if (more && n.id !== focus.id) classes.push("more");
      elements.push({ group: "nodes", classes: classes.join(" "), data: {
        id: n.id, label: shortLabel(n.id), full: n.label && n.label !== n.id ? `${n.id} (${n.label})` : n.id,
        iri: n.iri, side: n.side, distance: n.distance, isBenchmark: !!n.is_benchmark, isRoot: n.is_root,
      } });
    }
    elements.push(...summaries);
    const summaryEdges = new Set();
    for (const [key, e] of edges) {
      const source = collapsedInto.get(e.source) || e.source;
      const target = collapsedInto.get(e.target) || e.target;
      if (source === target) continue;
      if (source !== e.source || target !== e.target) {
        const skey = `${source}>${target}`;
        if (summaryEdges.has(skey)) continue;
        summaryEdges.add(skey);
        elements.push({ group: "edges", classes: "summary-edge", data: { id: `summary:${skey}`, source, target } });
        continue;
      }
      const family = e.kind === "split" ? "split-edge" : FAMILY_KEYS.has(e.family) ? e.family : "other";
      elements.push({ group: "edges", classes: family, data: {
        id: `edge:${key}`, source, target, relation: e.relation || e.family || "", family: e.family || null,
        confidence: e.confidence, review: e.review_status, iri: e.edge || null,
      } });
    }
    return { elements, hidden: collapsedInto.size };
  }

  function runLayout() {
    const hasDagre = typeof window.cytoscapeDagre === "function" || !!(cy && cy.extension && cy.extension("layout", "dagre"));
    const options = hasDagre
      ? { name: "dagre", rankDir: "LR", nodeSep: 10, rankSep: 70, edgeSep: 6, nodeDimensionsIncludeLabels: true,
          fit: true, padding: 24, animate: false }
      : { name: "breadthfirst", directed: true, fit: true, padding: 24, animate: false };
    cy.layout(options).run();
  }

  function draw() {
    const { elements, hidden } = buildElements();
    cy.batch(() => {
      cy.elements().remove();
      cy.add(elements);
    });
    runLayout();
    const lineage = state.lineage;
    const shown = cy.nodes().not(".summary").length;
    const parts = [`${lineage.focus.id}: ${shown} dataset${shown === 1 ? "" : "s"}, ${cy.edges().not(".summary-edge").length} edges`,
      `${state.direction === "both" ? "up and down" : state.direction === "up" ? "upstream" : "downstream"}, depth ${state.depth}`];
    if (hidden) parts.push(`${hidden} far datasets collapsed (click a "+N more" node to show them)`);
    if (lineage.truncated) parts.push("the neighbourhood is larger than the endpoint sends: lower the depth or refocus");
    else if (lineage.hidden) parts.push(`${lineage.hidden} more datasets further out (dashed outline: click to refocus)`);
    status(parts.join(" · "), lineage.truncated);
    highlightWitness();
    const graph = $("graph");
    graph.dataset.focus = lineage.focus.id;
    graph.dataset.state = "ready";
    graph.setAttribute("aria-label", `Lineage graph of ${lineage.focus.id}`);
  }

  function status(text, warn) {
    const node = $("graph-status");
    node.textContent = text;
    node.classList.toggle("warn", !!warn);
  }

  function readControls() {
    const depth = Math.max(1, Math.min(10, parseInt($("depth").value, 10) || 3));
    $("depth").value = depth;
    return { direction: $("direction").value, depth };
  }

  function setControls(direction, depth) {
    $("direction").value = direction;
    $("depth").value = depth;
  }

  // Focus the graph on a dataset (id, alias or IRI); the URL hash keeps the view linkable.
  function focusOn(id, options) {
    const opts = Object.assign({ keepWitness: false }, options);
    if (!opts.keepWitness) clearWitness();
    const { direction, depth } = opts.direction ? opts : readControls();
    setControls(direction, depth);
    const hash = "#" + new URLSearchParams({ dataset: id, direction, depth: String(depth) }).toString();
    if (window.location.hash !== hash) history.pushState(null, "", hash);
    return load(id, direction, depth);
  }

  async function load(id, direction, depth) {
    const seq = ++state.loadSeq;
    state.direction = direction;
    state.depth = depth;
    state.expanded.clear();
    const graph = $("graph");
    graph.dataset.state = "loading";
    status(`Loading the lineage of ${id}…`);
    const details = showDataset(id);
    try {
      const lineage = await getJSON("/api/v1/lineage", { id, direction, depth });
      if (seq !== state.loadSeq) return;
      state.lineage = lineage;
      state.focus = lineage.focus;
      $("search-input").value = lineage.focus.id;
      draw();
    } catch (err) {
      if (seq !== state.loadSeq) return;
      graph.dataset.state = "error";
      status(err.message, true);
    }
    await details;
  }

  function loadFromHash() {
    const params = new URLSearchParams(window.location.hash.slice(1));
    const id = params.get("dataset");
    if (!id) return;
    const direction = ["up", "down", "both"].includes(params.get("direction")) ? params.get("direction") : "both";
    const depth = Math.max(1, Math.min(10, parseInt(params.get("depth"), 10) || 3));
    setControls(direction, depth);
    load(id, direction, depth);
  }

  // --- legend ----------------------------------------------------------------------------------

  function svgEl(tag, attrs) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  }

  function lineSwatch(family) {
    const svg = svgEl("svg", { width: "46", height: "12", "aria-hidden": "true" });
    const line = svgEl("line", { x1: "2", y1: "6", x2: "36", y2: "6", stroke: family.color, "stroke-width": family.style === "dotted" ? "3" : "2.5" });
    if (family.style === "dotted") { line.setAttribute("stroke-dasharray", "1,4"); line.setAttribute("stroke-linecap", "round"); }
    else if (family.dash) line.setAttribute("stroke-dasharray", family.dash.join(","));
    svg.append(line, svgEl("path", { d: "M36 1 L45 6 L36 11 Z", fill: family.color }));
    return svg;
  }

  function nodeSwatch(kind) {
    const svg = svgEl("svg", { width: "20", height: "20", "aria-hidden": "true" });
    if (kind === "benchmark") svg.append(svgEl("path", { d: "M10 1 L19 10 L10 19 L1 10 Z", fill: "#F0E442", stroke: "#7a6000", "stroke-width": "2" }));
    else if (kind === "root") svg.append(svgEl("rect", { x: "2", y: "3", width: "16", height: "14", rx: "3", fill: "#d9e1ea", stroke: "#2f3e4e", "stroke-width": "2.5" }));
    else if (kind === "focus") svg.append(svgEl("circle", { cx: "10", cy: "10", r: "8", fill: "#b8c7d9", stroke: "#111", "stroke-width": "3" }));
    else if (kind === "more") svg.append(svgEl("circle", { cx: "10", cy: "10", r: "7.5", fill: "#b8c7d9", stroke: "#2f3e4e", "stroke-width": "2.5", "stroke-dasharray": "3,2" }));
    else if (kind === "summary") svg.append(svgEl("rect", { x: "1", y: "5", width: "18", height: "10", rx: "3", fill: "#f4f6f8", stroke: "#5b7089", "stroke-dasharray": "3,2" }));
    else if (kind === "witness") svg.append(svgEl("circle", { cx: "10", cy: "10", r: "9", fill: "#ffd400" }), svgEl("circle", { cx: "10", cy: "10", r: "5", fill: "#b8c7d9", stroke: "#5b7089" }));
    else svg.append(svgEl("circle", { cx: "10", cy: "10", r: "7.5", fill: "#b8c7d9", stroke: "#5b7089", "stroke-width": "1.5" }));
    return svg;
  }

  function buildLegend() {
    const legend = $("legend");
    const items = [el("h3", {}, "Relations (arrow from source to derived dataset)")];
    for (const family of FAMILIES.concat([OTHER])) {
      items.push(el("span", { class: "item", "data-family": family.key }, lineSwatch(family), family.label));
    }
    items.push(el("h3", {}, "Datasets"));
    const kinds = [
      ["focus", "focus"], ["dataset", "dataset"], ["benchmark", "benchmark"],
      ["root", "root (no known source)"], ["more", "more lineage further out (click to refocus)"],
      ["summary", "collapsed far datasets"], ["witness", "contamination witness path"],
    ];
    for (const [kind, text] of kinds) items.push(el("span", { class: "item", "data-kind": kind }, nodeSwatch(kind), text));
    legend.replaceChildren(...items);
  }

  // --- dataset panel ---------------------------------------------------------------------------

  async function showDataset(id) {
    const body = $("dataset-body");
    message(body, `Loading ${id}…`);
    let data;
    try {
      data = await getJSON("/api/v1/dataset", { id });
    } catch (err) {
      message(body, err.message, "error");
      return;
    }
    const d = data.dataset;
    const title = el("h3", {}, d.id,
      d.is_benchmark ? el("span", { class: "badge benchmark" }, "benchmark") : null,
      d.is_root ? el("span", { class: "badge root" }, "root") : null);
    const meta = el("dl", { class: "meta" });
    const add = (label, value) => {
      if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return;
      meta.append(el("dt", {}, label), el("dd", {}, value instanceof Node ? value : Array.isArray(value) ? value.join(", ") : String(value)));
    };
    if (d.label && d.label !== d.id) add("label", d.label);
    add("IRI", link(d.iri));
    const metadata = d.metadata || {};
    for (const [key, value] of Object.entries(metadata)) {
      if (value && typeof value === "object" && !Array.isArray(value)) continue;
      const text = typeof value === "string" && /^https?:\/\//.test(value) ? link(value) : value;
      add(key.replace(/_/g, " "), text);
    }
    if (d.terminal_reason) add("terminal reason", d.terminal_reason);
    body.replaceChildren(title, meta,
      relationList(`Sources (${(data.sources || []).length})`, data.sources || [], (r) => ({ source: r.dataset.id, target: d.id })),
      relationList(`Derived datasets (${(data.children || []).length})`, data.children || [], (r) => ({ source: d.id, target: r.dataset.id })));
  }

  function relationList(heading, rows, endpoints) {
    const wrap = el("div", {});
    wrap.append(el("h3", {}, heading));
    if (!rows.length) { wrap.append(el("p", { class: "muted" }, "none known")); return wrap; }
    const list = el("ul", { class: "relations" });
    const shown = rows.slice(0, 60);
    for (const r of shown) {
      const ends = endpoints(r);
      const confidence = fmtConfidence(r.confidence);
      list.append(el("li", {},
        el("button", { type: "button", class: "link", title: `Focus the graph on ${r.dataset.id}`, onclick: () => focusOn(r.dataset.id) }, r.dataset.id),
        " ", chip(r.relation, r.family),
        r.dataset.is_benchmark ? el("span", { class: "badge benchmark" }, "benchmark") : null,
        confidence ? ` ${confidence} ` : " ",
        el("button", { type: "button", class: "small", "aria-label": `Evidence for ${ends.target} from ${ends.source}`,
          onclick: () => showEvidence(Object.assign({ relation: r.relation, moveFocus: true }, ends)) }, "evidence")));
    }
    wrap.append(list);
    if (rows.length > shown.length) wrap.append(el("p", { class: "muted" }, `and ${rows.length - shown.length} more`));
    return wrap;
  }

  // --- evidence panel --------------------------------------------------------------------------

  async function showEvidence({ source, target, relation, family, moveFocus }) {
    const body = $("evidence-body");
    const headChip = relation ? chip(relation, family) : null;
    const head = el("p", {}, el("strong", {}, source), " → ", el("strong", {}, target), " ", headChip);
    body.replaceChildren(head, el("p", { class: "muted" }, "Loading the evidence…"));
    body.dataset.state = "loading";
    if (moveFocus) {
      const heading = $("evidence-title");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
    let data;
    try {
      data = await getJSON("/api/v1/evidence", { target, source });
    } catch (err) {
      body.replaceChildren(head, el("p", { class: "error", role: "alert" }, err.message));
      body.dataset.state = "error";
      return;
    }
    const items = data.items || [];
    if (items.length && headChip) headChip.remove();   // each derivation shows its own relation
    const parts = [head];
    if (!items.length) parts.push(el("p", { class: "muted" }, "No qualified derivation records evidence for this edge."));
    for (const item of items) {
      const meta = el("dl", { class: "meta" });
      const add = (label, value) => {
        if (value === null || value === undefined || value === "") return;
        meta.append(el("dt", {}, label), el("dd", {}, value));
      };
      const docs = item.documents && item.documents.length ? item.documents : (item.document ? [item.document] : []);
      if (item.source_kinds && item.source_kinds.length) add("source kind", item.source_kinds.join(", "));
      for (const doc of docs) {
        add("document", doc.iri ? link(doc.iri, doc.title || doc.iri) : null);
        add("retrieved", doc.retrieved_at);
        add("sha-256", doc.sha256 ? el("span", { class: "mono", title: doc.sha256 }, doc.sha256.slice(0, 16) + "…") : null);
      }
      const agent = item.agent && typeof item.agent === "object" ? item.agent : { iri: item.agent, label: item.agent_label };
      add("agent", agent.label || agent.iri);
      add("model", item.model);
      add("teacher model", item.teacher_model);
      add("prompt version", item.prompt_version);
      add("confidence", fmtConfidence(item.confidence));
      add("review status", item.review_status);
      add("agent run", item.activity ? el("span", { class: "mono" }, item.activity) : null);
      add("named graph", item.graph ? el("span", { class: "mono" }, item.graph) : null);
      parts.push(el("div", { class: "evidence-item" },
        chip(item.relation, item.family),
        item.quote ? el("blockquote", { class: "quote" }, item.quote) : el("p", { class: "muted" }, "(no quote recorded)"),
        meta));
    }
    body.replaceChildren(...parts);
    body.dataset.state = "ready";
  }

  // --- contamination ---------------------------------------------------------------------------

  async function runContamination(id) {
    const body = $("contamination-body");
    message(body, `Looking for the datasets that ${id} reaches…`);
    let data;
    try {
      data = await getJSON("/api/v1/contamination", { id });
    } catch (err) {
      message(body, err.message, "error");
      return;
    }
    const benchmark = data.benchmark;
    $("benchmark-input").value = benchmark.id;
    const hits = (data.hits || []).slice().sort((a, b) => (a.distance - b.distance) || a.dataset.id.localeCompare(b.dataset.id));
    const parts = [el("p", {}, el("strong", {}, benchmark.id), ` reaches ${hits.length} dataset${hits.length === 1 ? "" : "s"}`,
      hits.length ? ": choose one to see the witness path in the graph." : ".")];
    if (!benchmark.is_benchmark) parts.push(el("p", { class: "muted" }, `${benchmark.id} is not marked as a benchmark.`));
    const list = el("ol", { class: "hits" });
    for (const hit of hits) {
      list.append(el("li", { "data-id": hit.dataset.id },
        el("button", { type: "button", class: "link", onclick: () => showWitness(benchmark, hit) }, hit.dataset.id),
        ` · ${hit.distance} hop${hit.distance === 1 ? "" : "s"}`));
    }
    if (hits.length) parts.push(list);
    parts.push(el("div", { id: "witness-body", "aria-live": "polite" }));
    body.replaceChildren(...parts);
    if (hits.length) {
      const far = Math.max(...hits.map((h) => h.distance || 1));
      await focusOn(benchmark.id, { direction: "down", depth: Math.max(1, Math.min(10, far)) });
    }
  }

  async function showWitness(benchmark, hit) {
    const path = hit.path || { nodes: [], relations: [] };
    state.witness = { benchmark: benchmark.id, dataset: hit.dataset.id, nodes: (path.nodes || []).slice(),
      relations: (path.relations || []).slice(), split: false };
    const last = state.witness.nodes[state.witness.nodes.length - 1];
    if (last && last !== benchmark.id) {
      // the path reaches a split of the benchmark (GSM8K test, not GSM8K): link the split to it
      state.witness.nodes.push(benchmark.id);
      state.witness.relations.push("split");
      state.witness.split = true;
    }
    for (const li of document.querySelectorAll("#contamination-body .hits li")) {
      li.classList.toggle("current", li.dataset.id === hit.dataset.id);
    }
    const words = el("ol", { class: "path", "aria-label": `Witness path from ${benchmark.id} to ${hit.dataset.id}` });
    const nodes = state.witness.nodes;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const relation = i < nodes.length - 1 ? state.witness.relations[i] : null;
      words.append(el("li", {}, relation ? chip(relation, familyBetween(nodes[i + 1], nodes[i])) : null,
        relation ? " " : null, nodes[i]));
    }
    const witnessBody = $("witness-body");
    if (witnessBody) witnessBody.replaceChildren(el("h3", {}, `Witness path: ${benchmark.id} → ${hit.dataset.id}`), words);
    const onBenchmark = state.lineage && state.lineage.focus.id === benchmark.id && state.direction !== "up" && state.depth >= (hit.distance || 1);
    if (!onBenchmark) {
      await focusOn(benchmark.id, { keepWitness: true, direction: "down", depth: Math.max(1, Math.min(10, hit.distance || 1)) });
    } else {
      pinWitness();
      draw();
    }
  }

  function familyBetween(source, target) {
    const edge = ((state.lineage && state.lineage.edges) || []).find((e) => e.source === source && e.target === target);
    return edge ? edge.family : null;
  }

  // Make sure every node and edge of the witness path is drawn (the endpoint may have truncated
  // the neighbourhood, or the level may be collapsed): pin them.
  function pinWitness() {
    const w = state.witness;
    if (!w || !state.lineage) return;
    const known = new Map((state.lineage.nodes || []).map((n) => [n.id, n]));
    known.set(state.lineage.focus.id, state.lineage.focus);
    state.pinned = new Map();
    w.nodes.forEach((id, i) => {
      state.pinned.set(id, known.get(id) || { id, label: id, side: "down", distance: w.nodes.length - 1 - i, is_benchmark: false, is_root: null });
    });
    const present = new Set((state.lineage.edges || []).map((e) => `${e.source}>${e.target}`));
    state.pinnedEdges = [];
    for (let i = 0; i + 1 < w.nodes.length; i++) {
      const source = w.nodes[i + 1];
      const target = w.nodes[i];
      const split = w.split && i + 2 === w.nodes.length;
      if (!present.has(`${source}>${target}`)) {
        const relation = w.relations[i] || null;
        state.pinnedEdges.push({ edge: null, source, target, relation, family: FAMILY_KEYS.has(relation) ? relation : null,
          kind: split ? "split" : "derivation" });
      }
    }
  }

  function highlightWitness() {
    if (!cy) return;
    cy.elements().removeClass("witness faded");
    const w = state.witness;
    if (!w || !state.lineage || state.lineage.focus.id !== w.benchmark) return;
    let missing = false;
    let path = cy.collection();
    w.nodes.forEach((id, i) => {
      const node = cy.getElementById(id);
      if (node.empty()) { missing = true; return; }
      path = path.union(node);
      if (i + 1 < w.nodes.length) {
        const source = w.nodes[i + 1];
        const edges = node.incomers("edge").filter((e) => e.data("source") === source);
        if (edges.empty()) missing = true;
        path = path.union(edges);
      }
    });
    if (missing && !state.witness.pinned) {
      state.witness.pinned = true;
      pinWitness();
      draw();
      return;
    }
    cy.elements().difference(path).addClass("faded");
    path.addClass("witness");
    $("graph").dataset.witness = w.dataset;
  }

  function clearWitness() {
    state.witness = null;
    state.pinned = new Map();
    state.pinnedEdges = [];
    delete $("graph").dataset.witness;
  }

  // --- SPARQL ----------------------------------------------------------------------------------

  function paramList(params) {
    if (!params) return [];
    if (Array.isArray(params)) return params.map((p) => (typeof p === "string" ? { name: p } : p));
    return Object.entries(params).map(([name, spec]) => Object.assign({ name }, typeof spec === "object" && spec ? spec : { type: String(spec) }));
  }

  // The example's text with its parameters bound by a VALUES line (the first IRI parameter gets
  // the focus dataset); the user sees and can edit what will run.
  function exampleText(query) {
    const text = (query.text || "").split("\n").filter((line) => !line.startsWith("#+")).join("\n").trim();
    const params = paramList(query.params);
    if (!params.length) return text;
    const lines = [];
    let focusUsed = false;
    for (const p of params) {
      const type = p.type || "iri";
      const about = p.description ? `${p.description}` : p.name;
      if (type === "iri" && !focusUsed && state.focus && SAFE_IRI.test(state.focus.iri || "")) {
        lines.push(`  VALUES $${p.name} { <${state.focus.iri}> }  # ${about}: the focus, ${state.focus.id}`);
        focusUsed = true;
      } else {
        lines.push(`  # VALUES $${p.name} { ${type === "iri" ? "<...>" : type === "string" ? "\"...\"" : "..."} }  # ${about}`);
      }
    }
    const match = /\bWHERE\s*\{/i.exec(text);
    if (!match) return lines.map((l) => "#" + l.trimStart()).join("\n") + "\n" + text;
    const at = match.index + match[0].length;
    return text.slice(0, at) + "\n" + lines.join("\n") + text.slice(at);
  }

  async function loadExamples() {
    const select = $("sparql-example");
    let data;
    try {
      data = await getJSON("/api/v1/queries");
    } catch (err) {
      $("sparql-example-summary").textContent = `The query library is not available: ${err.message}`;
      return;
    }
    const groups = new Map();
    for (const q of (data.items || []).slice().sort((a, b) => a.name.localeCompare(b.name))) {
      state.examples.set(q.name, q);
      const folder = q.name.includes("/") ? q.name.split("/")[0] : "queries";
      if (!groups.has(folder)) groups.set(folder, el("optgroup", { label: folder }));
      groups.get(folder).append(el("option", { value: q.name, title: q.summary || null }, q.name));
    }
    select.append(...groups.values());
    select.dataset.state = "ready";
  }

  function chooseExample() {
    const query = state.examples.get($("sparql-example").value);
    const summary = $("sparql-example-summary");
    if (!query) { summary.textContent = ""; return; }
    const params = paramList(query.params).map((p) => `$${p.name}${p.type ? ` (${p.type})` : ""}`);
    summary.textContent = (query.summary || "") + (params.length ? ` Parameters: ${params.join(", ")}.` : "");
    $("sparql-query").value = exampleText(query);
  }

  function termText(term) {
    if (!term) return "";
    if (term.type === "bnode") return "_:" + term.value;
    return term.value;
  }

  function termCell(term) {
    const cell = el("td", {});
    if (!term) return cell;
    if (term.type === "uri") {
      cell.append(el("span", { class: "mono" }, term.value));
    } else {
      cell.textContent = termText(term);
      if (term["xml:lang"]) cell.title = "@" + term["xml:lang"];
      else if (term.datatype) cell.title = term.datatype;
    }
    return cell;
  }

  async function runSparql() {
    const out = $("sparql-results");
    const query = $("sparql-query").value;
    out.dataset.state = "loading";
    message(out, "Running…");
    let response, type, body;
    try {
      response = await fetch("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json, text/turtle;q=0.8" },
        body: query,
      });
      type = response.headers.get("content-type") || "";
      body = type.includes("json") ? await response.json() : await response.text();
    } catch (err) {
      message(out, `The query could not be sent: ${err.message}`, "error");
      out.dataset.state = "error";
      return;
    }
    if (!response.ok) {
      message(out, new ApiError(response.status, body).message, "error");
      out.dataset.state = "error";
      return;
    }
    if (body && typeof body === "object" && "boolean" in body) {
      out.replaceChildren(el("p", {}, "Answer: ", el("strong", {}, String(body.boolean))));
    } else if (body && typeof body === "object" && body.head) {
      const vars = body.head.vars || [];
      const rows = (body.results && body.results.bindings) || [];
      const shown = rows.slice(0, MAX_ROWS_SHOWN);
      const table = el("table", {},
        el("caption", {}, `${rows.length} row${rows.length === 1 ? "" : "s"}${rows.length > shown.length ? ` (first ${shown.length} shown)` : ""}`),
        el("thead", {}, el("tr", {}, vars.map((v) => el("th", { scope: "col" }, v)))),
        el("tbody", {}, shown.map((row) => el("tr", {}, vars.map((v) => termCell(row[v]))))));
      out.replaceChildren(table);
    } else {
      out.replaceChildren(el("pre", {}, typeof body === "string" ? body : JSON.stringify(body, null, 2)));
    }
    out.dataset.state = "ready";
  }

  // --- statistics in the header ----------------------------------------------------------------

  async function showStats() {
    try {
      const data = await getJSON("/api/v1/stats");
      const counts = data.counts || data;
      const parts = [];
      for (const [key, noun] of [["datasets", "datasets"], ["benchmarks", "benchmarks"], ["edges", "edges"]]) {
        if (Number.isFinite(Number(counts[key]))) parts.push(`${Number(counts[key]).toLocaleString("en")} ${noun}`);
      }
      $("stats").textContent = parts.join(" · ");
    } catch (err) {
      $("stats").textContent = "";
    }
  }

  // --- wiring ----------------------------------------------------------------------------------

  function start() {
    if (typeof window.cytoscape !== "function") {
      status("The graph library did not load (/static/vendor/cytoscape).", true);
      return;
    }
    buildLegend();
    initGraph();

    const searchInput = $("search-input");
    new Combobox(searchInput, $("search-options"), {
      search: (q) => searchDatasets(q, 20),
      choose: (item) => focusOn(item.id),
      empty: "no dataset matches",
    });
    $("search-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const id = searchInput.value.trim();
      if (id) focusOn(id);
    });
    for (const control of [$("direction"), $("depth")]) {
      control.addEventListener("change", () => { if (state.focus) focusOn(state.focus.id); });
    }

    const benchmarkInput = $("benchmark-input");
    new Combobox(benchmarkInput, $("benchmark-options"), {
      search: async (q) => (await searchDatasets(q, 50)).filter((d) => d.is_benchmark).slice(0, 20),
      choose: (item) => runContamination(item.id),
      empty: "no benchmark matches",
    });
    $("contamination-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const id = benchmarkInput.value.trim();
      if (id) runContamination(id);
    });

    $("sparql-example").addEventListener("change", chooseExample);
    $("sparql-form").addEventListener("submit", (ev) => { ev.preventDefault(); runSparql(); });
    $("sparql-query").addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); runSparql(); }
    });

    window.addEventListener("popstate", loadFromHash);
    showStats();
    loadExamples();
    loadFromHash();
  }

  // For people poking at the page from the console, and for the browser test.
  window.lineageExplorer = {
    get cy() { return cy; },
    state,
    focusOn,
    showEvidence,
    runContamination,
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
