// Starts YASGUI on the query editor page with the settings the server put in #editor-settings:
// this server's endpoint, the project's prefixes, the example queries, and the base under which
// result IRIs are pages of this server. Without JavaScript the plain form in #editor stays.
(function () {
  "use strict";
  const settingsEl = document.getElementById("editor-settings");
  const host = document.getElementById("editor");
  const Yasgui = window.Yasgui;
  if (!settingsEl || !host || !Yasgui) return;
  const settings = JSON.parse(settingsEl.textContent);
  const endpoint = new URL(settings.endpoint, window.location.href).href;

  function localHref(iri) {
    return iri.startsWith(settings.base) ? settings.root + iri.slice(settings.base.length) : iri;
  }

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }

  // Result IRIs under the base link to this server's page for them, the IRI kept as the tooltip.
  class LocalLinkTable extends Yasgui.Yasr.plugins.table {
    getUriLinkFromBinding(binding, prefixes) {
      const iri = binding.value;
      let shown = null;
      for (const [name, namespace] of Object.entries(prefixes || {})) {
        if (iri.startsWith(namespace)) { shown = `${name}:${iri.slice(namespace.length)}`; break; }
      }
      const text = shown !== null || this.persistentConfig.compact ? (shown ?? iri) : `<${iri}>`;
      return `<a class="iri" href="${escapeHtml(localHref(iri))}" title="${escapeHtml(iri)}">${escapeHtml(text)}</a>`;
    }
  }
  Yasgui.Yasr.registerPlugin("table", LocalLinkTable);

  // Nothing is fetched from other sites: no prefix.cc, no Linked Open Vocabularies look-ups.
  Yasgui.Yasqe.defaults.autocompleters = ["variables", "prefixes"];

  // Tab indents inside the query; Esc leaves it for the editor's next control (not the page top).
  Yasgui.Yasqe.defaults.extraKeys.Esc = (editor) => {
    const next = editor.getWrapperElement().parentElement.querySelector(".yasqe_buttons button");
    if (next) next.focus(); else editor.getInputField().blur();
  };

  host.replaceChildren();
  const yasgui = new Yasgui(host, {
    requestConfig: { endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: () => [{ endpoint }], keys: [] },
    yasqe: { value: settings.defaultQuery, resizeable: true, editorHeight: "20rem", collapsePrefixesOnLoad: true },
    yasr: { prefixes: settings.prefixes, defaultPlugin: "table" },
    autofocus: false,
  });
  // A tab restored from an earlier visit keeps its endpoint; this page only ever asks its own server.
  for (const id of Object.keys(yasgui._tabs)) yasgui._tabs[id].setEndpoint(endpoint);

  function openExample(example) {
    const tab = yasgui.addTab(true, { name: example.title, yasqe: { value: example.query },
                                      requestConfig: { endpoint } });
    host.scrollIntoView({ block: "start" });
    tab.query().catch(() => {});
  }

  document.querySelectorAll("a[data-example]").forEach((link) => {
    link.addEventListener("click", (event) => {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      openExample(settings.examples[Number(link.dataset.example)]);
    });
  });
  // /query?example=NAME (a bookmarked example) opens that example once.
  const asked = new URLSearchParams(window.location.search).get("example");
  const named = settings.examples.find((example) => example.name === asked);
  if (named) {
    history.replaceState(null, "", window.location.pathname);
    openExample(named);
  }
  // YASGUI leaves some of its fields without a name a screen reader could announce: give them one,
  // in every tab, including tabs opened later.
  const names = [
    ["input.autocomplete", "SPARQL endpoint"],
    [".CodeMirror textarea", "SPARQL query (Esc leaves the editor)"],
    ["select.tableSizer", "Rows per page"],
    [".requestConfigWrapper select:first-of-type", "Answer format of SELECT and ASK queries"],
    [".requestConfigWrapper select:last-of-type", "Answer format of CONSTRUCT and DESCRIBE queries"],
    ["li[role=presentation] input, .tab input", "Tab name"],
  ];
  function nameControls() {
    for (const [selector, name] of names) {
      host.querySelectorAll(selector).forEach((control) => {
        if (!control.hasAttribute("aria-label")) control.setAttribute("aria-label", name);
      });
    }
  }
  nameControls();
  new MutationObserver(nameControls).observe(host, { childList: true, subtree: true });

  window.seckgEditor = yasgui;  // for the browser tests and the curious
})();
