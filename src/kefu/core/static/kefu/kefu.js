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
// Behaviour that pages ask for with data- attributes (no inline code, so the
// Content-Security-Policy can forbid it).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("[data-submit-on-change]") && target.form) target.form.submit();
  if (target.matches && target.matches("[data-tick-all]")) {
    document.querySelectorAll('input[name="' + target.dataset.tickAll + '"]').forEach(function (box) {
      box.checked = target.checked;
    });
  }
});
document.addEventListener("click", function (event) {
  var target = event.target.closest ? event.target.closest("[data-print], [data-use-customer]") : null;
  if (!target) return;
  if (target.hasAttribute("data-print")) { window.print(); return; }
  kefuUseCustomer(target);
});
// The intake form: take the caller's customer file for the order.
function kefuUseCustomer(button) {
  var customer = document.getElementById("id_customer");
  if (!customer) return;
  customer.value = button.dataset.customer;
  var grade = document.getElementById("id_customer_grade");
  if (grade && button.dataset.grade) grade.value = button.dataset.grade;
  var name = document.getElementById("id_contact_name");
  if (name && !name.value) name.value = button.dataset.name;
  kefuFillAddress(button.dataset.address);
  var chosen = document.getElementById("chosen-customer");
  if (chosen) chosen.textContent = (chosen.dataset.label || "") + "：" + button.dataset.name;
}
// A caller with exactly one customer file: take it at once (on load and when the caller
// panel is refreshed).
// The caller's address (their customer file's, or their last order's) goes into an empty
// address field.
function kefuFillAddress(value) {
  var address = document.getElementById("id_address");
  if (address && value && !address.value) address.value = value;
}
function kefuTakeOnlyCustomer(root) {
  var known = root.querySelector && root.querySelector("[data-caller-address]");
  if (known) kefuFillAddress(known.dataset.callerAddress);
  if (!root.querySelector || !root.querySelector("[data-take-only-customer]")) return;
  var button = root.querySelector("[data-use-customer]");
  if (button) kefuUseCustomer(button);
}
document.addEventListener("htmx:afterSwap", function (event) { kefuTakeOnlyCustomer(event.target); });
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", function () { kefuTakeOnlyCustomer(document); });
} else {
  kefuTakeOnlyCustomer(document);
}
