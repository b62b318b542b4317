/*
 * The live auction room (auctions/sale_detail.html): plain JavaScript, no framework.
 *
 * The page is rendered by the server with the whole state, so it works without this script and a
 * reload always shows the truth. This script keeps it current:
 *
 *   - an EventSource on data-live-url receives the sale's events (`id: <seq>`, `event: <kind>`,
 *     `data: {...payload, server_now}`); EventSource reconnects by itself and sends Last-Event-ID,
 *     and events already shown (seq <= data-last-seq) are ignored;
 *   - the countdown runs on the server's clock: the offset between server_now (from the page and
 *     from every event) and the browser's clock is applied, so a wrong computer clock does not
 *     matter;
 *   - the bid form is posted with fetch (Accept: application/json) and the room stays open; the
 *     hidden idempotency key is replaced only after the server answered, so a retry after a lost
 *     answer is the same bid.
 *
 * Every text shown comes from the JSON block #auction-room-texts (translated by the server).
 */
(function () {
  "use strict";

  const root = document.getElementById("auction-room");
  const textsNode = document.getElementById("auction-room-texts");
  if (!root || !textsNode) return;
  const texts = JSON.parse(textsNode.textContent);
  const KINDS = [
    "phase_changed",
    "bid_accepted",
    "countdown_restarted",
    "frozen",
    "resume_announced",
    "resumed",
    "increments_changed",
    "closed",
  ];

  function part(role, scope) {
    return (scope || document).querySelector('[data-role="' + role + '"]');
  }

  function format(template, values) {
    let text = String(template || "");
    for (const [key, value] of Object.entries(values || {})) text = text.split("{" + key + "}").join(String(value));
    return text;
  }

  // Instants arrive as ISO 8601 with an offset, possibly with microseconds.
  function parseInstant(text) {
    if (!text) return null;
    const value = Date.parse(String(text).replace(/(\.\d{3})\d+/, "$1"));
    return Number.isNaN(value) ? null : value;
  }

  // Beijing wall-clock time of an instant, whatever the browser's time zone.
  function beijing(ms) {
    const d = new Date(ms + 8 * 3600 * 1000);
    const pad = (n) => String(n).padStart(2, "0");
    return (
      d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds())
    );
  }

  // Integer fen -> "1,234,567.89" (the same as the server's |yuan filter); no floating point.
  function yuan(fen) {
    if (fen === null || fen === undefined || fen === "") return "";
    const negative = Number(fen) < 0;
    const digits = String(Math.abs(Math.trunc(Number(fen)))).padStart(3, "0");
    const whole = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (negative ? "-" : "") + whole + "." + digits.slice(-2);
  }

  const state = {
    lastSeq: Number(root.dataset.lastSeq || 0),
    status: root.dataset.status,
    phase: root.dataset.phase,
    pausedPhase: root.dataset.pausedPhase || "",
    endsAt: parseInstant(root.dataset.endsAt),
    priceFen: root.dataset.priceFen === "" ? null : Number(root.dataset.priceFen),
    startFen: Number(root.dataset.startPriceFen),
    incrementFen: Number(root.dataset.incrementFen),
    timedIncrementFen: Number(root.dataset.timedIncrementFen),
    ownNumber: root.dataset.ownBidNumber || "",
    // server time - browser time, in ms; the page's server_now was taken while it was rendered
    offset: (parseInstant(root.dataset.serverNow) || Date.now()) - Date.now(),
  };

  function serverNow() {
    return Date.now() + state.offset;
  }

  // --- drawing -------------------------------------------------------------------------------

  function drawPhase() {
    part("phase", root).textContent = texts.phases[state.phase] || state.phase;
    const label = texts.countdown[state.phase];
    const box = part("countdown-box", root);
    const running = state.status === "open" && state.phase !== "closed" && state.endsAt !== null && label;
    box.hidden = !running;
    if (running) {
      part("countdown-label", root).textContent = label;
      const endsAt = part("ends-at", root);
      endsAt.textContent = beijing(state.endsAt);
      endsAt.setAttribute("datetime", new Date(state.endsAt).toISOString());
    }
    if (state.phase !== "frozen") part("freeze-reason", root).textContent = "";
    drawMinimum();
    tick();
  }

  function drawMinimum() {
    const box = part("minimum-box", root);
    const phase = state.phase === "frozen" ? state.pausedPhase : state.phase;
    if (state.status !== "open" || phase === "closed" || !phase) {
      box.hidden = true;
      return;
    }
    const step = phase === "listing" ? state.incrementFen : state.timedIncrementFen;
    part("minimum", root).textContent = yuan(state.priceFen === null ? state.startFen : state.priceFen + step);
    box.hidden = false;
  }

  function tick() {
    const target = part("countdown", root);
    if (state.endsAt === null || part("countdown-box", root).hidden) return;
    const left = state.endsAt - serverNow();
    if (left <= 0) {
      target.textContent = "00:00:00";
      part("countdown-note", root).textContent = texts.messages.waiting;
      return;
    }
    part("countdown-note", root).textContent = "";
    const total = Math.ceil(left / 1000);
    const days = Math.floor(total / 86400);
    const pad = (n) => String(n).padStart(2, "0");
    const clockText = pad(Math.floor((total % 86400) / 3600)) + ":" + pad(Math.floor((total % 3600) / 60)) + ":" + pad(total % 60);
    target.textContent = (days > 0 ? format(texts.messages.days, { n: days }) + " " : "") + clockText;
  }

  function status(text) {
    part("connection", root).textContent = text || "";
  }

  function addBid(seq, data) {
    const body = part("history");
    if (!body || body.querySelector('tr[data-seq="' + seq + '"]')) return;
    const row = document.createElement("tr");
    row.dataset.seq = String(seq);
    if (state.ownNumber && data.bid_number === state.ownNumber) row.className = "own-bid";
    const headers = Array.from(body.closest("table").querySelectorAll("thead th")).map((th) => th.textContent);
    const at = parseInstant(data.at || data.occurred_at || data.server_now);
    const cells = [
      [String(seq), "num"],
      [data.bid_number, ""],
      [yuan(data.amount_fen), "num"],
      [texts.phases[data.phase] || data.phase || "", ""],
      [at === null ? "" : beijing(at), ""],
    ];
    cells.forEach(([value, className], index) => {
      const cell = document.createElement("td");
      cell.textContent = value;
      if (className) cell.className = className;
      if (headers[index]) cell.dataset.label = headers[index];
      row.append(cell);
    });
    body.prepend(row);
    const empty = part("no-bids", body);
    if (empty) empty.hidden = true;
  }

  let reloading = null;
  function reloadSoon() {
    status(texts.messages.closed);
    if (reloading === null) reloading = window.setTimeout(() => window.location.reload(), 1500);
  }

  // --- events --------------------------------------------------------------------------------

  function apply(kind, data) {
    switch (kind) {
      case "phase_changed":
        state.phase = data.after;
        state.endsAt = parseInstant(data.ends_at);
        if (data.after === "closed") reloadSoon();
        break;
      case "bid_accepted":
        state.priceFen = Number(data.amount_fen);
        part("price", root).textContent = yuan(state.priceFen);
        part("leader", root).textContent = texts.bid_number + " " + data.bid_number;
        addBid(data.seq, data);
        break;
      case "countdown_restarted":
        state.endsAt = parseInstant(data.deadline);
        break;
      case "frozen":
        state.pausedPhase = data.paused || state.phase;
        state.phase = "frozen";
        state.endsAt = null;
        part("freeze-reason", root).textContent =
          texts.messages.frozen + "：" + (!data.reason || data.reason === "system_fault" ? texts.system_fault : data.reason);
        break;
      case "resume_announced":
        state.endsAt = parseInstant(data.resume_at);
        break;
      case "increments_changed": {
        // 39号令: adjusted during the listing; the next bid is judged by the new increments.
        state.incrementFen = Number(data.increment_fen);
        state.timedIncrementFen = Number(data.timed_increment_fen);
        const increment = part("increment");
        const timed = part("timed-increment");
        if (increment) increment.textContent = yuan(state.incrementFen);
        if (timed) timed.textContent = yuan(state.timedIncrementFen);
        status(format(texts.messages.increments, { increment: yuan(state.incrementFen), timed: yuan(state.timedIncrementFen) }));
        break;
      }
      case "resumed":
        state.phase = data.phase;
        state.endsAt = parseInstant(data.ends_at);
        state.pausedPhase = "";
        break;
      case "closed":
        finished = true;
        state.phase = "closed";
        state.endsAt = null;
        reloadSoon();
        break;
      default:
        return;
    }
    drawPhase();
  }

  // The stream's data is {seq, kind, occurred_at, server_now, payload}; a flat payload with
  // server_now beside it is read the same way.
  function onEvent(event) {
    let body = {};
    try {
      body = JSON.parse(event.data || "{}");
    } catch (error) {
      return;
    }
    const nested = body.payload !== null && typeof body.payload === "object";
    const data = Object.assign({}, nested ? body.payload : body);
    const now = parseInstant(body.server_now || data.server_now);
    if (now !== null) state.offset = now - Date.now();
    const seq = Number(body.seq || event.lastEventId || 0);
    if (!seq || seq <= state.lastSeq) return; // already on the page
    const missed = seq > state.lastSeq + 1;
    state.lastSeq = seq;
    data.seq = seq;
    data.occurred_at = body.occurred_at || data.occurred_at;
    data.server_now = body.server_now || data.server_now;
    apply(body.kind || event.type, data);
    if (missed) refetchPage();
  }

  // Events between the page and the stream were missed (the stream began later than the page):
  // the server-rendered page is the truth. At most once a minute, so a busy room cannot loop.
  function refetchPage() {
    const key = "auction-room-reload:" + window.location.pathname;
    let last = 0;
    try {
      last = Number(window.sessionStorage.getItem(key) || 0);
      if (Date.now() - last < 60000) return;
      window.sessionStorage.setItem(key, String(Date.now()));
    } catch (error) {
      return; // no storage: keep the live updates rather than risk a reload loop
    }
    window.location.reload();
  }

  let finished = false; // the result has arrived: the stream ends and is not reopened

  function connect() {
    const base = root.dataset.liveUrl;
    if (!base || !window.EventSource || finished || state.status === "deal" || state.status === "no_deal") return null;
    // The first connection resumes after the page's last event; EventSource's own reconnections
    // send Last-Event-ID, which the server prefers.
    const url = base + (base.includes("?") ? "&" : "?") + "after=" + encodeURIComponent(String(state.lastSeq));
    const source = new EventSource(url);
    KINDS.forEach((kind) => source.addEventListener(kind, onEvent));
    // Heartbeats (unnamed events or comments) may carry server_now only.
    source.addEventListener("message", onEvent);
    source.onopen = () => status(texts.messages.live);
    source.onerror = () => {
      if (finished) {
        source.close();
        return;
      }
      status(texts.messages.reconnecting);
      if (source.readyState === EventSource.CLOSED) {
        // The server refused the stream: try again later rather than never.
        window.setTimeout(() => {
          liveSource = connect();
        }, 5000);
      }
    };
    return source;
  }

  // --- the bid form ----------------------------------------------------------------------------

  function showBid(lines, kind) {
    const list = part("bid-status");
    if (!list) return;
    list.replaceChildren();
    for (const line of lines) {
      const item = document.createElement("li");
      item.className = "msg-" + kind;
      item.textContent = line;
      list.append(item);
    }
  }

  function bindBidForm() {
    const form = part("bid-form");
    if (!form || !window.fetch) return;
    const button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (button.disabled) return; // one bid in flight at a time
      button.disabled = true;
      showBid([texts.messages.sending], "info");
      let response;
      try {
        response = await fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
      } catch (error) {
        showBid([texts.messages.network], "error"); // the key stays: a retry is the same bid
        button.disabled = false;
        return;
      }
      let data = null;
      try {
        data = await response.json();
      } catch (error) {
        data = null;
      }
      if (response.ok && data && data.ok) {
        showBid([data.message], "success");
        form.querySelector("input[name=key]").value = data.key;
        form.querySelector("input[name=amount]").value = "";
        if (!liveSource || liveSource.readyState !== EventSource.OPEN) window.location.reload();
      } else if (data && data.errors && data.errors.length) {
        showBid(data.errors, "error");
      } else {
        showBid([format(texts.messages.failed_status, { status: response.status })], "error");
      }
      button.disabled = false;
    });
  }

  let liveSource = connect();
  bindBidForm();
  drawPhase();
  window.setInterval(tick, 250);
})();
