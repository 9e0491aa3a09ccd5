/* The reviewer's wizard: every answer saves itself as it changes.
 *
 * - A change saves the question's answer, comment and linked evidence (text waits for a
 *   pause in typing). The card shows "Saving…", "Saved" or why it was not saved.
 * - The server says which questions apply after each save; cards show and hide from that,
 *   so the rule lives in one place (assessments/rules.py).
 * - Each save names the version it started from. If someone else saved in between, the
 *   server refuses (409) and the card offers "keep theirs" or "save mine over it".
 * - If the session expired (401) or the network failed, the answer is kept in this
 *   browser (localStorage) and saved once the reviewer has logged in again.
 */
(function () {
  "use strict";
  const root = document.querySelector("[data-wizard]");
  if (!root) return;

  const csrf = root.dataset.csrf;
  const saveBase = root.dataset.saveBase;
  const storeKey = "clearance:pending:" + root.dataset.assessment;
  const timers = new Map();
  const TYPING_PAUSE_MS = 800;

  // --- pending answers kept in the browser -------------------------------------------------
  function pendingAll() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function setPending(key, data) {
    const all = pendingAll();
    if (data) all[key] = data; else delete all[key];
    if (Object.keys(all).length) localStorage.setItem(storeKey, JSON.stringify(all));
    else localStorage.removeItem(storeKey);
  }

  // --- reading and writing a card ----------------------------------------------------------
  function blockFor(key) { return root.querySelector('[data-question="' + CSS.escape(key) + '"]'); }

  function collect(block) {
    const values = [];
    block.querySelectorAll("[data-value]").forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") { if (el.checked) values.push(el.value); }
      else if (el.value !== "") values.push(el.value);
    });
    const comment = block.querySelector('[name="comment"]');
    const evidence = block.querySelector('[name="evidence"]');
    return { values: values, comment: comment ? comment.value : "", evidence: evidence ? evidence.value : "" };
  }

  function fill(block, data) {
    const values = (data.values || []).map(String);
    block.querySelectorAll("[data-value]").forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") el.checked = values.indexOf(el.value) !== -1;
      else el.value = values.length ? values[0] : "";
    });
    const comment = block.querySelector('[name="comment"]');
    if (comment) comment.value = data.comment || "";
    const evidence = block.querySelector('[name="evidence"]');
    if (evidence) evidence.value = data.evidence || "";
  }

  function fromServer(current) {
    let values = current.value;
    if (values === null || values === undefined || values === "") values = [];
    if (!Array.isArray(values)) values = [values];
    return { values: values.map(String), comment: current.comment || "", evidence: current.evidence ? String(current.evidence) : "" };
  }

  function showState(block, text, kind) {
    const el = block.querySelector(".save-state");
    if (!el) return;
    el.textContent = text;
    el.className = "save-state small text-nowrap " + (kind === "ok" ? "text-success" : kind === "error" ? "text-danger fw-semibold" : "text-body-secondary");
    block.dataset.state = kind || "saving";
  }

  function updateProgress(json) {
    const bar = document.getElementById("progress-bar");
    if (bar) bar.style.width = json.percent + "%";
    const answered = document.getElementById("progress-answered");
    if (answered) answered.textContent = json.answered;
    const total = document.getElementById("progress-total");
    if (total) total.textContent = json.total;
    Object.keys(json.sections || {}).forEach(function (key) {
      const counts = json.sections[key];
      document.querySelectorAll('[data-section-progress="' + CSS.escape(key) + '"]').forEach(function (el) {
        el.textContent = counts[0] + "/" + counts[1];
      });
    });
  }

  function updateVisibility(applicable) {
    const visible = new Set(applicable);
    root.querySelectorAll("[data-question]").forEach(function (block) {
      block.hidden = !visible.has(block.dataset.question);
    });
  }

  function showSessionBanner() {
    const banner = root.querySelector(".session-banner");
    if (banner) banner.hidden = false;
  }

  function showConflict(block, json, mine) {
    const box = block.querySelector(".conflict");
    box.replaceChildren();
    const text = document.createElement("p");
    text.className = "mb-2";
    text.textContent = json.message;
    const theirs = document.createElement("p");
    theirs.className = "mb-2";
    const current = fromServer(json.current);
    theirs.textContent = "Their answer: " + (current.values.join(", ") || "(none)") +
      (current.comment ? " — “" + current.comment + "”" : "");
    const keep = document.createElement("button");
    keep.type = "button";
    keep.className = "btn btn-sm btn-outline-dark me-2";
    keep.textContent = "Keep theirs";
    keep.addEventListener("click", function () {
      fill(block, current);
      block.dataset.version = json.current.version;
      setPending(block.dataset.question, null);
      box.hidden = true;
      showState(block, "Showing their answer", "ok");
    });
    const overwrite = document.createElement("button");
    overwrite.type = "button";
    overwrite.className = "btn btn-sm btn-danger";
    overwrite.textContent = "Save mine over it";
    overwrite.addEventListener("click", function () {
      box.hidden = true;
      fill(block, mine);
      save(block, { version: json.current.version });
    });
    box.append(text, theirs, keep, overwrite);
    box.hidden = false;
  }

  // --- saving ------------------------------------------------------------------------------
  async function post(key, data, version) {
    const body = new FormData();
    data.values.forEach(function (v) { body.append("value", v); });
    body.append("comment", data.comment || "");
    body.append("evidence", data.evidence || "");
    body.append("version", version);
    return fetch(saveBase + encodeURIComponent(key) + "/", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
    });
  }

  async function save(block, options) {
    const key = block.dataset.question;
    const data = collect(block);
    const version = options && options.version !== undefined ? options.version : block.dataset.version;
    showState(block, "Saving…", "saving");
    let response;
    try {
      response = await post(key, data, version);
    } catch (e) {
      setPending(key, Object.assign({}, data, { version: version }));
      showState(block, "Not saved: no connection. Kept in this browser.", "error");
      return;
    }
    let json = {};
    try { json = await response.json(); } catch (e) { json = {}; }
    if (response.ok) {
      block.dataset.version = json.saved.version;
      setPending(key, null);
      const carried = block.querySelector(".carried");
      if (carried) { carried.remove(); block.classList.remove("border-warning"); }
      block.querySelector(".conflict").hidden = true;
      showState(block, "Saved", "ok");
      updateProgress(json);
      updateVisibility(json.applicable);
      return;
    }
    if (response.status === 401 || (response.status === 403 && !json.error)) {
      // Session expired (or the security token with it): keep the answer for after login.
      setPending(key, Object.assign({}, data, { version: version }));
      showSessionBanner();
      showState(block, "Not saved: session expired. Kept in this browser.", "error");
      return;
    }
    if (response.status === 409 && json.error === "conflict") {
      showState(block, "Not saved: changed by someone else", "error");
      showConflict(block, json, data);
      return;
    }
    showState(block, "Not saved: " + (json.message || "the server refused it (" + response.status + ")."), "error");
  }

  function schedule(block, delay) {
    const key = block.dataset.question;
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(function () { timers.delete(key); save(block); }, delay));
  }

  root.addEventListener("change", function (event) {
    const block = event.target.closest("[data-question]");
    if (block) schedule(block, 0);
  });
  root.addEventListener("input", function (event) {
    if (event.target.tagName !== "TEXTAREA") return;
    const block = event.target.closest("[data-question]");
    if (block) { showState(block, "Unsaved changes…", "saving"); schedule(block, TYPING_PAUSE_MS); }
  });
  root.addEventListener("click", function (event) {
    const button = event.target.closest('[data-action="confirm"]');
    if (button) save(button.closest("[data-question]"));
  });
  // Leaving mid-typing: keep what was typed; the next visit saves it (flushPending).
  window.addEventListener("pagehide", function () {
    timers.forEach(function (_timer, key) {
      const block = blockFor(key);
      if (block) setPending(key, Object.assign({}, collect(block), { version: block.dataset.version }));
    });
  });

  // --- answers kept from before a session expired ------------------------------------------
  async function flushPending() {
    const all = pendingAll();
    for (const key of Object.keys(all)) {
      const data = all[key];
      const block = blockFor(key);
      if (block) {
        fill(block, data);
        await save(block, { version: data.version });
      } else {
        try {
          const response = await post(key, data, data.version);
          if (response.ok) setPending(key, null);
        } catch (e) { /* stays pending */ }
      }
    }
  }
  flushPending();
})();
