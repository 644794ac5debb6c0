// inetkit demo --web: reads one run of an example as Server-Sent Events (GET /run) and draws its events as an SVG
// sequence diagram. The exchange runs at full speed on the server; only the drawing is paced here (speed, Step), so
// pausing never makes a socket time out. Nothing is loaded from anywhere but this page's own server.
"use strict";
(() => {
  const SVG = "http://www.w3.org/2000/svg";
  // Fractions of real time, as the terminal's --speed; 0 draws each event as it comes.
  const SPEEDS = [0, 1, 0.1, 0.01, 0.001];
  const SPEED_NAMES = ["as it comes", "real time", "10× slower", "100× slower", "1000× slower"];
  // A slowed udp-timeout would otherwise show nothing for minutes (its 3 s of waiting, 100× slower).
  const LONGEST_PAUSE_MS = 2000;
  const L = { width: 1080, top: 56, row: 20, seedRow: 14, client: 450, server: 680, clientRoom: 50, serverRoom: 53, bytesRoom: 16 };

  const $ = id => document.getElementById(id);
  let examples = [];
  let current = null;

  function el(name, attributes = {}, text) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const cut = (text, room) => (text.length > room ? text.slice(0, room - 1) + "…" : text);
  const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
  const selected = () => examples.find(e => e.name === $("example").value);

  // --- the run: fetched as a stream, so that a 400's one line can be shown (EventSource hides it, and reconnects).

  function start(mode) {
    if (current) current.controller.abort();
    const example = selected();
    if (!example) return;
    const r = current = { example, events: [], drawn: 0, finished: false, failure: null, mode, steps: 0, lastT: 0, pumping: false, controller: new AbortController() };
    render(r);
    settle(r);
    read(r, runUrl(example)).catch(e => {
      if (!r.controller.signal.aborted) finish(r, String(e && e.message || e));
    });
    return r;
  }

  function runUrl(example) {
    const query = new URLSearchParams({ example: example.name });
    if (example.impairment) {
      for (const key of ["loss", "duplicate", "reorder", "seed"]) {
        const value = $(key).value.trim();
        if (value !== "") query.set(key, value);
      }
    }
    return "/run?" + query;
  }

  async function read(r, url) {
    const response = await fetch(url, { signal: r.controller.signal, cache: "no-store" });
    if (!response.ok) {
      finish(r, (await response.text()).trim() || `${response.status} ${response.statusText}`);
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        message(r, buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
    if (!r.finished) finish(r, "the server ended the run before it was done");
  }

  function message(r, block) {
    let name = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) name = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    if (name === "demo") {
      r.events.push(JSON.parse(data.join("\n")));
      advance(r);
    } else if (name === "done") {
      finish(r, null);
    } else if (name === "error") {
      finish(r, data.join(" "));
    }
  }

  function finish(r, failure) {
    r.finished = true;
    r.failure = failure;
    advance(r);
  }

  // --- pacing: play draws what has come, at the chosen speed; step draws one event per press.

  function advance(r) {
    if (r.mode === "play") pump(r);
    else drawSteps(r);
    settle(r);
  }

  async function pump(r) {
    if (r.pumping) return;
    r.pumping = true;
    try {
      while (current === r && r.mode === "play" && r.drawn < r.events.length) {
        const next = r.events[r.drawn];
        const speed = SPEEDS[$("speed").value];
        if (speed > 0 && next.t_ms > r.lastT) await sleep(Math.min((next.t_ms - r.lastT) / speed, LONGEST_PAUSE_MS));
        if (current !== r || r.mode !== "play") break;
        drawNext(r);
      }
    } finally {
      r.pumping = false;
    }
    settle(r);
  }

  function drawSteps(r) {
    while (r.steps > 0 && r.drawn < r.events.length) {
      // A packet hidden with the wire costs no press.
      if (visible(r.events[r.drawn])) r.steps--;
      drawNext(r);
    }
  }

  function drawNext(r) {
    r.lastT = r.events[r.drawn].t_ms;
    r.drawn++;
    render(r);
  }

  function complete(r) {
    return r.finished && r.drawn === r.events.length;
  }

  function settle(r) {
    if (current !== r) return;
    const name = r.example.name;
    let state = "running";
    let text = `${name}: ${r.drawn} of ${r.events.length} events drawn${r.finished ? "" : ", running…"}`;
    if (complete(r)) {
      state = r.failure ? "error" : "done";
      text = r.failure ? `${name}: ${r.failure}` : `${name}: ${r.events.length} events, done.`;
    } else if (r.mode === "step") {
      text += " (Step for the next, Play for the rest)";
    }
    document.body.dataset.state = state;
    document.body.dataset.drawn = r.drawn;
    $("status").textContent = text;
  }

  // --- drawing: the whole diagram again on each event (a run has tens of them), so the wire can be toggled.

  const visible = e => e.kind !== "packet" || $("wire").checked;

  function render(r) {
    const svg = $("diagram");
    svg.replaceChildren();
    const lanes = r.example.lanes;
    const rows = el("g", { id: "events" });
    let y = L.top;
    for (const e of r.events.slice(0, r.drawn).filter(visible)) {
      y += L.row;
      rows.append(event(e, y));
      if (e.seed) y += L.seedRow;
    }
    const height = y + 24;
    for (const [x, label] of [[L.client, lanes.client], [L.server, lanes.server]]) {
      svg.append(el("line", { class: "lifeline", x1: x, y1: 38, x2: x, y2: height - 6 }));
      svg.append(el("rect", { class: "lane-box", x: x - 90, y: 8, width: 180, height: 30, rx: 4 }));
      svg.append(el("text", { class: "lane-label", x, y: 28, "text-anchor": "middle" }, label));
    }
    svg.append(rows);
    svg.setAttribute("viewBox", `0 0 ${L.width} ${height}`);
    svg.setAttribute("width", L.width);
    svg.setAttribute("height", height);
  }

  function event(e, y) {
    const g = el("g", { class: `event ${e.lane || "wire"} ${e.kind}${e.failed ? " failed" : ""}` });
    g.dataset.seq = e.seq;
    g.dataset.kind = e.kind;
    if (e.lane) g.dataset.lane = e.lane;
    if (e.call) g.dataset.call = e.call;
    if (e.sends) g.dataset.sends = "true";
    if (e.lost) g.dataset.lost = "true";
    g.append(el("text", { class: "time", x: 4, y }, `${e.t_ms.toFixed(1)} ms`));
    if (e.kind === "packet") {
      g.append(el("line", { x1: L.client, y1: y - 4, x2: L.server, y2: y - 4 }));
      g.append(el("text", { x: (L.client + L.server) / 2, y: y - 7, "text-anchor": "middle" }, cut(e.summary || "", 34)));
      return g;
    }
    const client = e.lane === "client";
    const x = client ? L.client - 8 : L.server + 8;
    const anchor = client ? "end" : "start";
    const room = client ? L.clientRoom : L.serverRoom;
    const words = describe(e);
    const call = el("text", { class: "call", x, y, "text-anchor": anchor }, cut(words, room));
    if (e.bytes && e.kind === "call" && e.call.startsWith("recv")) {
      // What a receive brought, so that recv(4) after recv(4) is seen growing the message.
      const got = ` '${cut(e.data, 6)}'`;
      call.textContent = cut(words, room - got.length);
      call.append(el("tspan", { class: "got" }, got));
    }
    call.append(el("title", {}, words));
    g.append(call);
    if (e.seed) g.append(el("text", { class: "seed", x, y: y + L.seedRow - 1, "text-anchor": anchor }, cut(e.seed, room + 4)));
    if (e.sends) g.append(arrow(e, client, y - 4));
    return g;
  }

  function describe(e) {
    if (e.kind === "printed") return `» ${e.text}`;
    if (e.kind === "waiting") return `${e.call}(${e.arguments}) … waiting`;
    return e.text;
  }

  function arrow(e, fromClient, y) {
    const a = el("g", { class: `arrow${e.lost ? " lost" : ""}` });
    const [from, to] = fromClient ? [L.client, L.server] : [L.server, L.client];
    const label = `'${cut(e.data || "", L.bytesRoom)}' (${e.bytes} bytes)${e.impairment ? " " + e.impairment : ""}`;
    a.append(el("text", { x: (L.client + L.server) / 2, y: y - 4, "text-anchor": "middle" }, label));
    if (e.lost) {
      // Lost on the way: the line stops short, and a cross marks where.
      const end = from + (to - from) * 0.7;
      a.append(el("line", { x1: from, y1: y, x2: end, y2: y }));
      a.append(el("path", { class: "cross", d: `M${end - 5} ${y - 5} L${end + 5} ${y + 5} M${end - 5} ${y + 5} L${end + 5} ${y - 5}` }));
    } else {
      const back = to > from ? -8 : 8;
      a.append(el("line", { x1: from, y1: y, x2: to + back / 2, y2: y }));
      a.append(el("path", { d: `M${to} ${y} L${to + back} ${y - 4} L${to + back} ${y + 4} Z` }));
    }
    return a;
  }

  // --- the controls.

  function choose() {
    const example = selected();
    $("summary").textContent = example ? example.summary : "";
    $("impairment").disabled = !(example && example.impairment);
    const query = new URLSearchParams(location.search);
    if (example) query.set("example", example.name);
    history.replaceState(null, "", "?" + query);
  }

  function play() {
    const r = current;
    if (!r || r.example !== selected() || complete(r)) {
      start("play");
      return;
    }
    r.mode = "play";
    r.steps = 0;
    advance(r);
  }

  function step() {
    let r = current;
    if (!r || r.example !== selected() || complete(r)) r = start("step");
    if (!r) return;
    r.mode = "step";
    r.steps++;
    advance(r);
  }

  function showSpeed() {
    $("speed-label").textContent = SPEED_NAMES[$("speed").value];
  }

  async function load() {
    const response = await fetch("/examples", { cache: "no-store" });
    examples = await response.json();
    const picker = $("example");
    for (const e of examples) picker.append(new Option(e.name, e.name));
    const wanted = new URLSearchParams(location.search).get("example");
    if (examples.some(e => e.name === wanted)) picker.value = wanted;
    choose();
    if (!current) document.body.dataset.state = "ready";
  }

  $("example").addEventListener("change", choose);
  $("play").addEventListener("click", play);
  $("step").addEventListener("click", step);
  $("again").addEventListener("click", () => start("play"));
  $("speed").addEventListener("input", showSpeed);
  $("wire").addEventListener("change", () => current && render(current));
  showSpeed();
  // For tests and the curious: what the stream brought, beside what is drawn.
  window.inetkitDemo = { received: () => (current ? current.events.slice() : []) };
  load().catch(e => {
    document.body.dataset.state = "error";
    $("status").textContent = `could not load the examples: ${e.message}`;
  });
})();
