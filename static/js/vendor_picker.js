/* The vendor picker (vendors.widgets.VendorSearchInput): a combobox that suggests vendors from
 * the lookup endpoint (data-lookup-url) as the user types.
 *
 * The hidden input carries the chosen vendor's pk under the field's name; the visible box is
 * sent as <name>__search. Editing the box clears the pk, so a form sent with text but no pk
 * is resolved by the server by exact name, or refused with an error that keeps the text: the
 * same as without JavaScript. Choosing a suggestion only fills the field; the form's own
 * submit button (or Enter once nothing is highlighted) still sends it.
 */
(function () {
  "use strict";

  const DEBOUNCE_MS = 150;

  function initPicker(root) {
    const input = root.querySelector('[role="combobox"]');
    const hidden = root.querySelector("[data-vendor-picker-value]");
    const listbox = root.querySelector('[role="listbox"]');
    const status = root.querySelector("[data-vendor-picker-status]");
    const lookupUrl = root.dataset.lookupUrl;
    let options = []; // the suggestions shown, as <li role="option">
    let active = -1; // index in options of the highlighted one, -1 for none
    let timer = null;
    let request = null; // the request in flight, aborted when a newer one starts

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      highlight(-1);
    }

    function open() {
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
      active = index;
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    }

    function choose(option) {
      hidden.value = option.dataset.id;
      input.value = option.dataset.name;
      close();
    }

    function note(text) {
      // A line in the list that cannot be chosen: no match, more matches, an error.
      const item = document.createElement("li");
      item.className = "list-group-item small text-body-secondary";
      item.setAttribute("role", "option");
      item.setAttribute("aria-disabled", "true");
      item.textContent = text;
      listbox.append(item);
    }

    function show(results, more, query) {
      listbox.replaceChildren();
      options = results.map((vendor, i) => {
        const option = document.createElement("li");
        option.id = `${listbox.id}_${i}`;
        option.className = "list-group-item list-group-item-action vendor-picker-option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.id = vendor.id;
        option.dataset.name = vendor.name;
        const name = document.createElement("span");
        name.textContent = vendor.name;
        const state = document.createElement("span");
        state.className = `small ${vendor.retired ? "text-danger-emphasis" : "text-body-secondary"}`;
        state.textContent = vendor.status;
        option.append(name, state);
        listbox.append(option);
        return option;
      });
      active = -1;
      if (!results.length) {
        const none = `No vendor’s name contains “${query}”.`;
        note(none);
        status.textContent = none;
      } else {
        if (more) note("More vendors match: type more of the name to narrow the list.");
        status.textContent = `${results.length}${more ? " or more" : ""} vendors found; use the arrow keys to choose.`;
      }
      open();
    }

    function fail(message) {
      options = [];
      listbox.replaceChildren();
      note(message);
      status.textContent = message;
      open();
    }

    async function search(query) {
      if (request) request.abort();
      request = new AbortController();
      const url = `${lookupUrl}?${new URLSearchParams({ q: query })}`;
      try {
        const response = await fetch(url, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
          signal: request.signal,
        });
        if (response.status === 401) {
          fail("Your session has expired: log in again to search vendors.");
          return;
        }
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const data = await response.json();
        // The box may have changed while the answer travelled; only the latest query counts.
        if (input.value.trim() === query) show(data.results, data.more, query);
      } catch (error) {
        if (error.name === "AbortError") return;
        fail("Suggestions are unavailable. Type the vendor's full name instead.");
      }
    }

    function scheduleSearch() {
      clearTimeout(timer);
      const query = input.value.trim();
      if (!query) {
        if (request) request.abort();
        close();
        return;
      }
      timer = setTimeout(() => search(query), DEBOUNCE_MS);
    }

    input.addEventListener("input", () => {
      hidden.value = ""; // the text no longer names the chosen vendor
      scheduleSearch();
    });

    input.addEventListener("keydown", (event) => {
      const expanded = !listbox.hidden;
      switch (event.key) {
        case "ArrowDown":
        case "ArrowUp":
          event.preventDefault();
          if (!expanded) {
            if (input.value.trim()) search(input.value.trim());
            return;
          }
          if (!options.length) return;
          if (event.key === "ArrowDown") {
            highlight(active + 1 < options.length ? active + 1 : 0);
          } else {
            highlight(active > 0 ? active - 1 : options.length - 1);
          }
          break;
        case "Enter":
          // With a suggestion highlighted, Enter picks it; otherwise it submits the form.
          if (expanded && active >= 0) {
            event.preventDefault();
            choose(options[active]);
          }
          break;
        case "Escape":
          if (expanded) {
            event.preventDefault();
            close();
          }
          break;
      }
    });

    // Keep the focus in the box while clicking a suggestion, so that blur does not close
    // the list before the click lands.
    listbox.addEventListener("mousedown", (event) => event.preventDefault());
    listbox.addEventListener("click", (event) => {
      const option = event.target.closest(".vendor-picker-option");
      if (option) choose(option);
    });
    input.addEventListener("blur", () => {
      // Leaving the box drops the suggestions, and any still on their way.
      clearTimeout(timer);
      if (request) request.abort();
      close();
    });
  }

  document.querySelectorAll("[data-vendor-picker]").forEach(initPicker);
})();
