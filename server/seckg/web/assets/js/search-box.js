// Suggestions for the search box of every page, from /api/search. Without this script the box is
// a plain form that opens the results page; with it, the browser's own suggestion list (a
// <datalist>) offers matching names, and picking one opens that entity's page.
(function () {
  "use strict";
  const input = document.getElementById("site-search");
  const list = document.getElementById("site-search-suggestions");
  if (!input || !list || !window.fetch) return;
  let timer = null;
  let asked = "";
  const hrefs = new Map();

  function show(results) {
    hrefs.clear();
    list.replaceChildren(...results.map((hit) => {
      const option = document.createElement("option");
      option.value = hit.label;
      option.label = hit.matched !== hit.label ? `${hit.kind} · ${hit.matched}` : hit.kind;
      if (!hrefs.has(hit.label)) hrefs.set(hit.label, hit.href);
      return option;
    }));
  }

  async function suggest() {
    const query = input.value.trim();
    if (query === asked) return;
    asked = query;
    if (!query) { show([]); return; }
    try {
      const response = await fetch(`${input.dataset.suggest}?q=${encodeURIComponent(query)}&limit=10`,
                                   { headers: { Accept: "application/json" } });
      if (!response.ok || query !== asked) return;
      show((await response.json()).results);
    } catch (error) {
      // No suggestions this time; the form still works.
    }
  }

  input.addEventListener("input", (event) => {
    // Picking a suggestion replaces the text in one step: go straight to that entity.
    const picked = !(event instanceof InputEvent) || event.inputType === "insertReplacementText";
    if (picked && hrefs.has(input.value)) {
      window.location.assign(hrefs.get(input.value));
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(suggest, 120);
  });
})();
