// Keyboard helpers: "/" focuses the page's search box; Alt+digit (or Alt+N, Alt+E) follows
// the element with that accesskey, in every browser.
document.addEventListener("keydown", function (event) {
  if (event.altKey && !event.ctrlKey && !event.metaKey && event.key && event.key.length === 1) {
    var target = document.querySelector('[accesskey="' + event.key.toLowerCase() + '"]');
    if (target) { event.preventDefault(); target.click(); return; }
  }
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  var target = event.target;
  var tag = target && target.tagName;
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
  var search = document.querySelector("[data-search]");
  if (search) { event.preventDefault(); search.focus(); search.select(); }
});
// htmx requests carry the CSRF token from the page.
document.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector("meta[name=csrf-token]");
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});
// Marks the page ready for the keyboard helpers (browser tests wait for it before a key).
document.documentElement.setAttribute("data-keys", "ready");
