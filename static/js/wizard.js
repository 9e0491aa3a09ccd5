/* The reviewer's wizard: every answer saves itself as it changes, and none is ever lost.
 *
 * - A change saves the question's answer, comment and linked evidence (text waits for a
 *   pause in typing). The card shows "Saving…", "Saved" or why it was not saved.
 * - The server says which questions apply after each save; cards show and hide from that,
 *   so the rule lives in one place (assessments/rules.py).
 * - Each save names the version it started from. If someone else saved in between, the
 *   server refuses (409) and the card offers "keep theirs" or "save mine over it".
 * - Before a save leaves the page, the answer is kept in this browser (localStorage, one
 *   entry per user, assessment and question, with the version it was based on) and only
 *   forgotten once the server has stored it. So a closed tab, a crash, a cut network, a
 *   server error or a timeout never loses it: the next visit restores it into the form and
 *   saves it again.
 * - Failures the server may get over (no connection, no answer in time, 5xx) are retried
 *   with exponential backoff, jittered so that browsers coming back after an outage do not
 *   retry in step; also at once when the browser comes back online or the page is shown
 *   again. An expired session (401, or 403 without a reason: the security token went with
 *   it) waits for the reviewer to log in again. A conflict (409) waits for the reviewer's
 *   choice. A refusal (400, 422: the answer itself is wrong) is not retried: the message
 *   stands under the question and the answer stays in the form to be changed.
 * - A banner counts the answers not saved yet, and leaving the page asks first while any is.
 */
(function () {
  "use strict";
  const root = document.querySelector("[data-wizard]");
  if (!root) return;

  const csrf = root.dataset.csrf;
  const saveBase = root.dataset.saveBase;
  // Kept answers belong to one user: on a shared browser, the next user must neither see
  // them nor save them under their own name.
  const storePrefix = "clearance:unsaved:" + root.dataset.user + ":" + root.dataset.assessment + ":";
  const TYPING_PAUSE_MS = 800;
  const SAVE_TIMEOUT_MS = 15000;
  const RETRY_FIRST_MS = 2000;
  const RETRY_MAX_MS = 60000;

  const timers = new Map(); // question key -> typing-pause timer
  const states = new Map(); // question key -> where its save stands (see stateOf)
  let storageWorks = true;
  let leavingOnPurpose = false;

  function stateOf(key) {
    let st = states.get(key);
    if (!st) {
      // failing: a save failed since the last one that succeeded (the banner counts these);
      // status: saving | saved | retrying | expired | conflict | refused;
      // entry: the kept answer of a question that is not on this page.
      st = { status: "saved", failing: false, inFlight: false, again: false, attempt: 0,
             retryAt: 0, retryTimer: null, ticker: null, reason: "", text: "", entry: null };
      states.set(key, st);
    }
    return st;
  }

  // --- answers kept in this browser --------------------------------------------------------
  function keptAll() {
    const kept = {};
    try {
      for (let i = 0; i < localStorage.length; i++) {
        const name = localStorage.key(i);
        if (!name || name.indexOf(storePrefix) !== 0) continue;
        try { kept[name.slice(storePrefix.length)] = JSON.parse(localStorage.getItem(name)); }
        catch (e) { localStorage.removeItem(name); }
      }
    } catch (e) { /* storage unavailable: nothing kept */ }
    return kept;
  }

  function keep(key, data, version) {
    const block = blockFor(key);
    const before = block ? null : stateOf(key).entry;
    const entry = {
      values: data.values, comment: data.comment || "", evidence: data.evidence || "",
      version: String(version), keptAt: new Date().toISOString(),
      // Where to find it again when the banner of another section lists it.
      page: block ? location.pathname : (before && before.page) || "",
      label: block ? questionLabel(block) : (before && before.label) || key,
    };
    if (!block) stateOf(key).entry = entry;
    try {
      localStorage.setItem(storePrefix + key, JSON.stringify(entry));
      storageWorks = true;
    } catch (e) {
      storageWorks = false; // full or disabled: the page says to stay until it is saved
    }
  }

  function forget(key) {
    try { localStorage.removeItem(storePrefix + key); } catch (e) { /* nothing kept */ }
  }

  // --- reading and writing a card ----------------------------------------------------------
  function blockFor(key) { return root.querySelector('[data-question="' + CSS.escape(key) + '"]'); }

  function questionLabel(block) {
    const heading = block.querySelector("h3");
    return heading ? heading.textContent.replace(/\s*\*\s*$/, "").trim() : block.dataset.question;
  }

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

  // The server already holds exactly this answer: an earlier try landed although its
  // reply was lost (a timeout, a cut connection), or someone gave the same answer.
  function alreadyStored(data, current) {
    if (!current || current.carried_forward) return false; // confirming is a change of its own
    const theirs = fromServer(current);
    const sorted = function (values) { return values.map(String).sort().join("\u0000"); };
    return sorted(theirs.values) === sorted(data.values) &&
      theirs.comment.trim() === (data.comment || "").trim() &&
      (!data.evidence || theirs.evidence === String(data.evidence));
  }

  function secondsUntil(when) { return Math.max(1, Math.ceil((when - Date.now()) / 1000)); }

  function render(key) {
    const st = stateOf(key);
    const block = blockFor(key);
    if (block) {
      const el = block.querySelector(".save-state");
      let text = "";
      let kind = "pending";
      if (st.status === "saved") { text = st.text || "Saved"; kind = "ok"; }
      else if (st.status === "saving") text = st.failing ? "Not saved yet — retrying now…" : st.text || "Saving…";
      else if (st.status === "retrying") { text = "Not saved yet — retrying in " + secondsUntil(st.retryAt) + " s"; kind = "error"; }
      else if (st.status === "expired") { text = "Not saved: session expired. Kept in this browser."; kind = "error"; }
      else if (st.status === "conflict") { text = "Not saved: changed by someone else"; kind = "error"; }
      else if (st.status === "refused") { text = "Not saved"; kind = "error"; }
      if (st.failing && !storageWorks && st.status !== "refused") text += " (not kept in this browser: stay on this page)";
      if (el) {
        el.textContent = text;
        el.title = st.status === "retrying" ? st.reason : "";
        el.className = "save-state small text-nowrap " + (kind === "ok" ? "text-success" : kind === "error" ? "text-danger fw-semibold" : "text-body-secondary");
      }
      block.dataset.state = st.status;
      const error = block.querySelector(".save-error");
      if (error) {
        error.textContent = st.status === "refused" ? st.reason : "";
        error.hidden = st.status !== "refused";
      }
    }
    renderBanner();
  }

  function setStatus(key, status, extra) {
    const st = stateOf(key);
    st.status = status;
    st.text = "";
    Object.assign(st, extra || {});
    render(key);
  }

  // --- the banner: how many answers are not saved ------------------------------------------
  function renderBanner() {
    const banner = root.querySelector(".unsaved-banner");
    if (!banner) return;
    const failing = [];
    states.forEach(function (st, key) { if (st.failing) failing.push(key); });
    banner.hidden = failing.length === 0;
    const count = banner.querySelector("[data-unsaved-count]");
    if (count) {
      count.textContent = failing.length === 1 ? "1 answer is not saved yet." : failing.length + " answers are not saved yet.";
    }
    const kept = failing.filter(function (key) { return stateOf(key).status !== "refused"; });
    const refused = failing.length - kept.length;
    const detail = banner.querySelector("[data-unsaved-detail]");
    if (detail) {
      const parts = [];
      if (kept.length) {
        const all = kept.length === failing.length;
        const one = kept.length === 1;
        const subject = all ? (one ? "It is" : "They are") : (one ? "One is" : kept.length + " are");
        const them = one ? "it" : "them";
        parts.push(storageWorks
          ? subject + " kept in this browser and saved as soon as the server takes " + them + ", now or on your next visit."
          : "This browser could not keep " + them + ": stay on this page until " + (one ? "it is" : "they are") + " saved.");
      }
      if (refused) {
        parts.push(refused === 1
          ? "One was refused: change it as the message under it says."
          : refused + " were refused: change them as the messages under them say.");
      }
      detail.textContent = parts.join(" ");
    }
    const elsewhere = banner.querySelector("[data-unsaved-elsewhere]");
    if (elsewhere) {
      elsewhere.replaceChildren();
      kept.forEach(function (key) {
        const entry = stateOf(key).entry;
        if (blockFor(key) || !entry) return;
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.className = "alert-link";
        link.href = (entry.page || location.pathname) + "#q-" + encodeURIComponent(key);
        link.textContent = entry.label || key;
        item.append(link, " (in another section)");
        elsewhere.append(item);
      });
      elsewhere.hidden = elsewhere.childElementCount === 0;
    }
    const sessionBanner = root.querySelector(".session-banner");
    if (sessionBanner) {
      let expired = false;
      states.forEach(function (st) { if (st.status === "expired") expired = true; });
      sessionBanner.hidden = !expired;
    }
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

  function showConflict(block, json, mine) {
    const key = block.dataset.question;
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
      forget(key);
      box.hidden = true;
      setStatus(key, "saved", { failing: false, attempt: 0, text: "Showing their answer" });
    });
    const overwrite = document.createElement("button");
    overwrite.type = "button";
    overwrite.className = "btn btn-sm btn-danger";
    overwrite.textContent = "Save mine over it";
    overwrite.addEventListener("click", function () {
      box.hidden = true;
      fill(block, mine);
      block.dataset.version = json.current.version;
      save(key);
    });
    box.append(text, theirs, keep, overwrite);
    box.hidden = false;
  }

  // --- saving ------------------------------------------------------------------------------
  // Logging in again (in another tab) rotates the security token: the cookie has the
  // current one, the page only the one it was rendered with.
  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : csrf;
  }

  function post(key, data, version, signal) {
    const body = new FormData();
    data.values.forEach(function (v) { body.append("value", v); });
    body.append("comment", data.comment || "");
    body.append("evidence", data.evidence || "");
    body.append("version", version);
    return fetch(saveBase + encodeURIComponent(key) + "/", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      signal: signal,
    });
  }

  function stopRetry(st) {
    clearTimeout(st.retryTimer);
    clearInterval(st.ticker);
    st.retryTimer = null;
    st.ticker = null;
  }

  function retryLater(key, reason) {
    const st = stateOf(key);
    stopRetry(st);
    st.attempt += 1;
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * Math.pow(2, st.attempt - 1));
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    st.retryAt = Date.now() + delay;
    st.retryTimer = setTimeout(function () { save(key); }, delay);
    st.ticker = setInterval(function () { render(key); }, 1000);
    setStatus(key, "retrying", { failing: true, reason: reason });
  }

  function retryAllNow(options) {
    states.forEach(function (st, key) {
      if (st.inFlight || (st.status !== "retrying" && st.status !== "expired")) return;
      if (options && options.fresh) st.attempt = 0;
      save(key);
    });
  }

  /* Save one question's answer: what its card holds, or the kept answer of a question
   * that is not on this page. Resolves once the answer is saved, kept for a retry, or
   * refused; a change made meanwhile is saved right after. */
  async function save(key, options) {
    const st = stateOf(key);
    if (st.inFlight) { st.again = true; return; }
    stopRetry(st);
    const block = blockFor(key);
    if (!block && !st.entry) return;
    const data = block ? collect(block) : st.entry;
    const version = block ? block.dataset.version : st.entry.version;
    st.inFlight = true;
    st.again = false;
    keep(key, data, version); // before it leaves: a closed tab or a cut network loses nothing
    if (block) block.querySelector(".conflict").hidden = true;
    setStatus(key, "saving", { text: options && options.restored ? "Saving the answer kept in this browser…" : "" });

    let response = null;
    let json = {};
    let failure = "";
    const controller = new AbortController();
    const timeout = setTimeout(function () { controller.abort(); }, SAVE_TIMEOUT_MS);
    try {
      response = await post(key, data, version, controller.signal);
      try { json = await response.json(); } catch (e) { json = {}; }
      if (controller.signal.aborted) failure = "The server did not answer within " + SAVE_TIMEOUT_MS / 1000 + " s.";
    } catch (e) {
      failure = controller.signal.aborted
        ? "The server did not answer within " + SAVE_TIMEOUT_MS / 1000 + " s."
        : "No connection to the server.";
    } finally {
      clearTimeout(timeout);
      st.inFlight = false;
    }

    const status = response ? response.status : 0;
    if (failure) {
      retryLater(key, failure);
    } else if (response.ok && json.saved) {
      saved(key, json);
    } else if (status === 409 && json.error === "conflict") {
      if (alreadyStored(data, json.current)) saved(key, { saved: json.current });
      else if (block) { setStatus(key, "conflict", { failing: true }); showConflict(block, json, data); }
      else setStatus(key, "conflict", { failing: true }); // resolved on the question's own page
    } else if (status === 401 || (status === 403 && !json.error)) {
      // Session expired (or the security token with it): kept for after logging in again.
      setStatus(key, "expired", { failing: true });
    } else if (status >= 500 || status === 408 || status === 429 || response.ok) {
      retryLater(key, status >= 500 ? "The server failed (" + status + ")." : "The server could not take it now (" + status + ").");
    } else {
      // The answer itself was refused (400, 422, locked, no longer allowed): retrying
      // cannot help. It stays in the form to be changed; a kept copy would only come back.
      // 422: the question no longer applies (someone changed an answer it depends on);
      // nothing is missing, so it does not count as unsaved.
      forget(key);
      if (block) {
        setStatus(key, "refused", {
          failing: status !== 422, attempt: 0,
          reason: json.message || "The server refused it (" + status + ").",
        });
      } else {
        stopRetry(st);
        states.delete(key);
        renderBanner();
      }
    }
    if (st.again) save(key);
  }

  function saved(key, json) {
    const st = stateOf(key);
    const block = blockFor(key);
    if (block) {
      block.dataset.version = json.saved.version;
      const carried = block.querySelector(".carried");
      if (carried) { carried.remove(); block.classList.remove("border-warning"); }
      block.querySelector(".conflict").hidden = true;
    }
    // Changed again meanwhile: keep the newer answer until its own save lands.
    if (block && (st.again || timers.has(key))) keep(key, collect(block), block.dataset.version);
    else forget(key);
    st.entry = null;
    setStatus(key, "saved", { failing: false, attempt: 0 });
    if (json.applicable) {
      updateProgress(json);
      updateVisibility(json.applicable);
    }
  }

  function schedule(block, delay) {
    const key = block.dataset.question;
    clearTimeout(timers.get(key));
    timers.delete(key);
    if (delay) timers.set(key, setTimeout(function () { timers.delete(key); save(key); }, delay));
    else save(key);
  }

  root.addEventListener("change", function (event) {
    const block = event.target.closest("[data-question]");
    if (block) schedule(block, 0);
  });
  root.addEventListener("input", function (event) {
    if (event.target.tagName !== "TEXTAREA") return;
    const block = event.target.closest("[data-question]");
    if (!block) return;
    const key = block.dataset.question;
    keep(key, collect(block), block.dataset.version);
    if (!stateOf(key).failing) setStatus(key, "saving", { text: "Unsaved changes…" });
    schedule(block, TYPING_PAUSE_MS);
  });
  root.addEventListener("click", function (event) {
    if (event.target.closest("[data-login]")) { leavingOnPurpose = true; return; }
    if (event.target.closest('[data-action="retry-now"]')) { retryAllNow({ fresh: true }); return; }
    const button = event.target.closest('[data-action="confirm"]');
    if (button) save(button.closest("[data-question]").dataset.question);
  });

  window.addEventListener("online", function () { retryAllNow({ fresh: true }); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") retryAllNow();
  });
  // Leaving while an answer is not saved asks first (the answer is kept here either way,
  // unless this browser cannot keep it). Logging in again is the way to save it: no question.
  window.addEventListener("beforeunload", function (event) {
    if (leavingOnPurpose) return;
    let unsaved = timers.size > 0;
    states.forEach(function (st) { if (st.failing || st.inFlight) unsaved = true; });
    if (!unsaved) return;
    event.preventDefault();
    event.returnValue = "";
  });
  // Leaving mid-typing: keep what was typed; the next visit saves it.
  window.addEventListener("pagehide", function () {
    timers.forEach(function (_timer, key) {
      const block = blockFor(key);
      if (block) keep(key, collect(block), block.dataset.version);
    });
  });
  window.addEventListener("pageshow", function (event) { if (event.persisted) leavingOnPurpose = false; });

  // --- answers kept from an earlier visit --------------------------------------------------
  async function restore() {
    // Kept by an older version of this page for the assessment, whoever was logged in:
    // not safe to save under the current user's name.
    try { localStorage.removeItem("clearance:pending:" + root.dataset.assessment); } catch (e) { /* none */ }
    const kept = keptAll();
    const here = [];
    root.querySelectorAll("[data-question]").forEach(function (block) {
      if (kept[block.dataset.question]) here.push(block.dataset.question);
    });
    const elsewhere = Object.keys(kept).filter(function (key) { return here.indexOf(key) === -1; });
    // One after the other, in page order, so that an answer a later question depends on
    // lands first (other sections' before this page's: it is a guess, not an order).
    for (const key of elsewhere.concat(here)) {
      const entry = kept[key];
      const block = blockFor(key);
      if (block) {
        fill(block, entry);
        block.dataset.version = entry.version;
      } else {
        stateOf(key).entry = entry;
      }
      await save(key, { restored: true });
    }
  }
  restore();
})();
