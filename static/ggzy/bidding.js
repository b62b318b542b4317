/*
 * Bidding in the browser, on top of GGZYSealing (sealing.js): no command-line tool needed.
 *
 *   #browser-keys    (bidder-keys page)  generate both key pairs, offer the key file, register the
 *                    two public keys through POST /api/v1/tenders/keys
 *   #browser-seal    (bid-submission page) opening data + files + key file -> seal, sign, resumable
 *                    chunked upload, receipt; the envelope and the receipt are offered as backups
 *   #browser-unseal  (opening page, decryption window) key file + own envelope -> unwrap the content
 *                    key locally and release it through the content-key endpoint
 *
 * The key file is JSON that only the bidder holds; the platform never sees it:
 *   {"format": "GGZY-BIDDER-KEYS", "version": 1, "bidder_uscc", "created_at",
 *    "sealing": private JWK (use "enc"), "signing": private JWK (use "sig")}
 * Each member is a JWK that `python -m bidtool` and bidtool.load_private_key also read.
 *
 * Every message shown comes from a data-msg-* attribute of the section (translated in the template).
 * Files are read with Blob.slice, 1 MiB at a time; the envelope stays a Blob.
 */
(function () {
  "use strict";

  const KEY_FILE_FORMAT = "GGZY-BIDDER-KEYS";
  const LEAF = 1048576; // the upload API's leaf size: one SHA-256 per MiB of the envelope
  // Chunk requests in flight. 3 made the upload 2.4x faster on localhost with a file-backed SQLite
  // (WAL, busy timeout), but the in-memory shared-cache test database answers concurrent writes with
  // "database table is locked" (HTTP 500); one at a time works on every backend.
  const PARALLEL_CHUNKS = 1;

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status; // 0: the request never got an answer
    }
    get retryable() {
      return this.status === 0 || this.status >= 500;
    }
  }

  // --- small helpers -------------------------------------------------------------------------

  function msg(root, name, values) {
    let text = root.dataset["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || name;
    for (const [key, value] of Object.entries(values || {})) text = text.split("{" + key + "}").join(String(value));
    return text;
  }

  function part(root, role) {
    return root.querySelector('[data-role="' + role + '"]');
  }

  function show(list, text, kind) {
    list.replaceChildren();
    if (!text) return;
    const item = document.createElement("li");
    item.className = "msg-" + (kind || "info");
    item.textContent = text;
    list.append(item);
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input && input.value) return input.value;
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function errorText(data) {
    if (!data) return "";
    if (typeof data.detail === "string") return data.detail;
    if (Array.isArray(data.detail)) return data.detail.map((item) => item.message || String(item)).join("；");
    return "";
  }

  async function api(root, url, options) {
    const o = options || {};
    const headers = { "X-CSRFToken": csrfToken(), Accept: "application/json" };
    let body = o.body;
    if (o.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(o.json);
    } else if (o.contentType) {
      headers["Content-Type"] = o.contentType;
    }
    let response;
    try {
      response = await fetch(url, { method: o.method || "GET", headers, body, credentials: "same-origin" });
    } catch (error) {
      throw new ApiError(msg(root, "network"), 0);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null; // an empty or non-JSON answer (a proxy's error page)
    }
    if (!response.ok) throw new ApiError(errorText(data) || msg(root, "failedStatus", { status: response.status }), response.status);
    return data;
  }

  function offer(anchor, blob, filename) {
    if (anchor.href && anchor.href.startsWith("blob:")) URL.revokeObjectURL(anchor.href);
    anchor.href = URL.createObjectURL(blob);
    anchor.download = filename;
    anchor.hidden = false;
  }

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  function b64url(bytes) {
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function percent(done, total) {
    return total > 0 ? Math.floor((100 * done) / total) : 100;
  }

  async function readKeyFile(root, file) {
    if (!file) throw new Error(msg(root, "needKeyFile"));
    let data;
    try {
      data = JSON.parse(await file.text());
    } catch (error) {
      data = null;
    }
    const ok = (jwk) => jwk && typeof jwk === "object" && typeof jwk.d === "string";
    if (!data || data.format !== KEY_FILE_FORMAT || !ok(data.sealing) || !ok(data.signing)) {
      throw new Error(msg(root, "badKeyFile"));
    }
    return data;
  }

  function failure(root, error) {
    const prefix = msg(root, "failed");
    return prefix + (error && error.message ? error.message : String(error));
  }

  // --- (a) keys ------------------------------------------------------------------------------

  function initKeys(root) {
    const button = part(root, "generate");
    const status = part(root, "status");
    const download = part(root, "download");
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        show(status, msg(root, "working"));
        const sealing = await GGZYSealing.generateSealingKeyPair({ extractable: true });
        const signing = await GGZYSealing.generateSigningKeyPair({ extractable: true });
        const keyFile = {
          format: KEY_FILE_FORMAT,
          version: 1,
          bidder_uscc: root.dataset.uscc,
          created_at: new Date().toISOString(),
          sealing: await GGZYSealing.exportJwk(sealing.privateKey, "enc"),
          signing: await GGZYSealing.exportJwk(signing.privateKey, "sig"),
        };
        // The private keys are offered before anything is registered: a registered key whose private
        // half the bidder never received would make its bids impossible to open.
        const stamp = keyFile.created_at.slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
        const blob = new Blob([JSON.stringify(keyFile, null, 2) + "\n"], { type: "application/json" });
        offer(download, blob, "ggzy-keys-" + root.dataset.uscc + "-" + stamp + ".json");
        part(root, "result").hidden = false;
        download.click();
        show(status, msg(root, "registering"));
        const registered = {};
        for (const [kind, pair, use] of [
          ["sealing", sealing, "enc"],
          ["signing", signing, "sig"],
        ]) {
          const publicJwk = await GGZYSealing.exportJwk(pair.publicKey, use);
          const answer = await api(root, root.dataset.registerUrl, {
            method: "POST",
            json: { kind, public_key: JSON.stringify(publicJwk) },
          });
          registered[kind] = answer.key_id;
        }
        show(status, msg(root, "done", { sealing: registered.sealing, signing: registered.signing }), "success");
      } catch (error) {
        show(status, failure(root, error), "error");
      } finally {
        button.disabled = false;
      }
    });
  }

  // --- (b) seal and upload ---------------------------------------------------------------------

  const MONEY = /^(\d{1,13})(?:\.(\d{1,2}))?$/; // ≤ 10^13 yuan keeps fen below 2^53
  const DAYS = /^\d{1,9}$/;

  function yuanToFen(text) {
    const match = MONEY.exec(text.replace(/[,，\s]/g, ""));
    if (!match) return null;
    return Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0"));
  }

  function fenText(fen) {
    const yuan = String(Math.floor(fen / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return yuan + "." + String(fen % 100).padStart(2, "0");
  }

  function openingData(root, form) {
    const data = {};
    for (const input of form.querySelectorAll("[data-opening-key]")) {
      const text = input.value.trim();
      const label = input.dataset.label;
      if (!text) {
        if (input.required) throw new Error(msg(root, "required", { label }));
        continue;
      }
      if (input.dataset.kind === "money") {
        const fen = yuanToFen(text);
        if (fen === null) throw new Error(msg(root, "badMoney", { label }));
        data[input.dataset.openingKey] = fen;
      } else if (input.dataset.kind === "days") {
        if (!DAYS.test(text)) throw new Error(msg(root, "badDays", { label }));
        data[input.dataset.openingKey] = Number(text);
      } else {
        data[input.dataset.openingKey] = text;
      }
    }
    return data;
  }

  async function leafDigests(envelope, onProgress) {
    const digests = [];
    for (let start = 0; start < envelope.size; start += LEAF) {
      const piece = await envelope.slice(start, Math.min(envelope.size, start + LEAF)).arrayBuffer();
      digests.push(hex(await crypto.subtle.digest("SHA-256", piece)));
      onProgress(Math.min(envelope.size, start + LEAF), envelope.size);
    }
    return digests;
  }

  function receiptTime(text) {
    const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d{3})?/.exec(text || "");
    return match ? match[1] + " " + match[2] + (match[3] || "") : text;
  }

  function initSeal(root) {
    const form = part(root, "seal-form");
    const submit = form.querySelector("button[type=submit]");
    const status = part(root, "status");
    const progress = part(root, "progress");
    const resume = part(root, "resume");
    const resumeRow = part(root, "resume-row"); // the row is hidden: a styled button ignores [hidden]
    const sealingJwk = JSON.parse(document.getElementById(root.dataset.sealingKey).textContent);
    let upload = null; // {token, envelope, sealed} of the upload in progress
    let busy = false;

    for (const input of form.querySelectorAll('[data-kind="money"]')) {
      const preview = document.getElementById(input.dataset.preview);
      input.addEventListener("input", () => {
        const fen = yuanToFen(input.value.trim());
        preview.textContent = fen === null ? "" : msg(root, "moneyPreview", { amount: fenText(fen), fen });
      });
    }

    window.addEventListener("beforeunload", (event) => {
      if (busy) event.preventDefault();
    });

    function step(text, done, total) {
      progress.hidden = false;
      progress.max = total > 0 ? total : 1;
      progress.value = total > 0 ? done : 1;
      show(status, text + " " + percent(done, total) + "%");
    }

    async function send() {
      const statusUrl = root.dataset.uploadStatusUrl.replace("__token__", encodeURIComponent(upload.token));
      const state = await api(root, statusUrl);
      const missing = [];
      for (let index = 0; index < state.chunks; index++) if (!state.received.includes(index)) missing.push(index);
      const size = upload.envelope.size;
      let done = size - missing.reduce((sum, index) => sum + Math.min(state.chunk_size, size - index * state.chunk_size), 0);
      step(msg(root, "uploading"), done, size);
      let next = 0;
      let failed = null;
      const worker = async () => {
        while (failed === null && next < missing.length) {
          const index = missing[next++];
          const start = index * state.chunk_size;
          const chunk = upload.envelope.slice(start, Math.min(size, start + state.chunk_size));
          try {
            await api(root, statusUrl + "/chunks/" + index, {
              method: "PUT",
              body: chunk,
              contentType: "application/octet-stream",
            });
          } catch (error) {
            failed = failed || error;
            return;
          }
          done += chunk.size;
          step(msg(root, "uploading"), done, size);
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL_CHUNKS, missing.length) }, worker));
      if (failed) throw failed;
      show(status, msg(root, "completing"));
      return api(root, statusUrl + "/complete", { method: "POST" });
    }

    function receipt(bid) {
      const sealed = upload.sealed;
      upload = null;
      for (const cell of root.querySelectorAll("[data-receipt]")) {
        const key = cell.dataset.receipt;
        cell.textContent = key === "received_at" ? receiptTime(bid.receipt.received_at) : bid[key];
      }
      const backup = {
        format: "GGZY-RECEIPT",
        bid_id: bid.id,
        receipt: bid.receipt,
        receipt_signature: bid.receipt_signature,
      };
      const name = "ggzy-receipt-" + bid.lot_code + "-" + bid.id + ".json";
      offer(part(root, "download-receipt"), new Blob([JSON.stringify(backup, null, 2) + "\n"], { type: "application/json" }), name);
      part(root, "receipt").hidden = false;
      progress.hidden = true;
      if (bid.commitment !== sealed.commitment || bid.ciphertext_digest !== sealed.ciphertextDigest) {
        show(status, msg(root, "receiptMismatch"), "error");
      } else {
        show(status, msg(root, "done"), "success");
      }
    }

    async function run(work) {
      busy = true;
      submit.disabled = true;
      resumeRow.hidden = true;
      try {
        receipt(await work());
      } catch (error) {
        const resumable = upload !== null && error instanceof ApiError && error.retryable;
        show(status, failure(root, error) + (resumable ? " " + msg(root, "resumeHint") : ""), "error");
        resumeRow.hidden = !resumable;
      } finally {
        busy = false;
        submit.disabled = false;
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      run(async () => {
        upload = null;
        part(root, "receipt").hidden = true;
        part(root, "envelope").hidden = true;
        const data = openingData(root, form);
        const files = Array.from(part(root, "files").files);
        const keyFile = await readKeyFile(root, part(root, "key-file").files[0]);
        if ((await GGZYSealing.keyId(keyFile.sealing)) !== (await GGZYSealing.keyId(sealingJwk))) {
          throw new Error(msg(root, "sealingKeyMismatch"));
        }
        if ((await GGZYSealing.keyId(keyFile.signing)) !== root.dataset.signingKeyId) {
          throw new Error(msg(root, "signingKeyMismatch"));
        }
        const sealed = await GGZYSealing.seal({
          files,
          openingData: data,
          lotCode: root.dataset.lotCode,
          bidderUscc: root.dataset.uscc,
          sealingPublicKey: sealingJwk,
          signingKeyPair: keyFile.signing,
          onProgress: (p) => step(msg(root, p.phase === "hash" ? "hashing" : "encrypting"), p.done, p.total),
        });
        const name = "ggzy-bid-" + root.dataset.lotCode + "-" + sealed.commitment.slice(0, 12) + ".gbid";
        offer(part(root, "download-envelope"), sealed.envelope, name);
        part(root, "envelope").hidden = false;
        const digests = await leafDigests(sealed.envelope, (done, total) => step(msg(root, "digesting"), done, total));
        const started = await api(root, root.dataset.uploadUrl, {
          method: "POST",
          json: { size: sealed.envelope.size, leaf_digests: digests },
        });
        upload = { token: started.token, envelope: sealed.envelope, sealed };
        return send();
      });
    });

    resume.addEventListener("click", () => {
      if (upload) run(send);
    });
  }

  // --- (c) release the content key at the opening --------------------------------------------------

  function initUnseal(root) {
    const form = part(root, "unseal-form");
    const submit = form.querySelector("button[type=submit]");
    const status = part(root, "status");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      submit.disabled = true;
      try {
        const keyFile = await readKeyFile(root, part(root, "key-file").files[0]);
        const envelope = part(root, "envelope").files[0];
        if (!envelope) throw new Error(msg(root, "needEnvelope"));
        show(status, msg(root, "working"));
        const inspected = await GGZYSealing.inspect(envelope);
        if (inspected.commitment !== root.dataset.commitment) throw new Error(msg(root, "wrongEnvelope"));
        const pair = await GGZYSealing.importSealingKey(keyFile.sealing);
        const contentKey = await GGZYSealing.unwrapContentKey({ envelope, sealingKeyPair: pair });
        show(status, msg(root, "sending"));
        await api(root, root.dataset.contentKeyUrl, { method: "POST", json: { content_key: b64url(contentKey) } });
        show(status, msg(root, "done"), "success");
        window.location.reload();
      } catch (error) {
        show(status, failure(root, error), "error");
        submit.disabled = false;
      }
    });
  }

  function start() {
    const sections = [
      ["browser-keys", initKeys],
      ["browser-seal", initSeal],
      ["browser-unseal", initUnseal],
    ];
    for (const [id, init] of sections) {
      const root = document.getElementById(id);
      if (root) init(root);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
