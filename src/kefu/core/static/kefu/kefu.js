// Keyboard helpers: "/" focuses the page's search box; Alt+digit (or Alt+N, Alt+E) follows
// the element with that accesskey, in every browser: a box is focused, a form marked
// data-key-focus has its first field focused, anything else is clicked. In a box marked
// data-canned, "/" (at the start of a line) or Alt+R opens the canned replies and
// Ctrl+Enter sends the box's form.
document.addEventListener("keydown", function (event) {
  var box = event.target;
  if (box && box.matches && box.matches("textarea[data-canned]")) {
    if (kefuCannedKey(event, box)) return;
  }
  if (box && box.tagName === "TEXTAREA" && event.key === "Enter" && (event.ctrlKey || event.metaKey) && box.form) {
    event.preventDefault();
    if (box.form.requestSubmit) box.form.requestSubmit(); else box.form.submit();
    return;
  }
  if (event.altKey && !event.ctrlKey && !event.metaKey && event.key && event.key.length === 1) {
    var target = document.querySelector('[accesskey="' + event.key.toLowerCase() + '"]');
    if (target) { event.preventDefault(); kefuFollowKey(target); return; }
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
// An access key's element: a box takes the focus; a form marked data-key-focus gives it to
// its first field (opening the section it sits in); anything else is clicked.
function kefuFollowKey(target) {
  if (target.matches("input, textarea, select")) { kefuReveal(target); target.focus(); return; }
  if (target.hasAttribute("data-key-focus")) {
    var field = target.querySelector("select, textarea, input:not([type=hidden]), button") || target;
    kefuReveal(field);
    field.focus();
    return;
  }
  target.click();
}
function kefuReveal(element) {
  var details = element.closest && element.closest("details");
  if (details) details.open = true;
}
// Canned replies (常用语): the page lists them in <script id="canned-replies">; a small list
// under the box filters them as one types, ↑/↓ choose, Enter inserts at the caret, Esc
// closes.
function kefuCannedKey(event, box) {
  var picker = document.getElementById("canned-picker");
  if (picker && picker.kefuBox === box) return false;
  var atLineStart = box.selectionStart === 0 || box.value.charAt(box.selectionStart - 1) === "\n";
  var slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && atLineStart;
  var altR = event.altKey && !event.ctrlKey && !event.metaKey && (event.key === "r" || event.key === "R" || event.code === "KeyR");
  if (!slash && !altR) return false;
  var replies = kefuCannedReplies();
  if (!replies.length) return false;
  event.preventDefault();
  kefuCannedOpen(box, replies);
  return true;
}
function kefuCannedReplies() {
  var data = document.getElementById("canned-replies");
  if (!data) return [];
  try { return JSON.parse(data.textContent) || []; } catch (error) { return []; }
}
function kefuCannedOpen(box, replies) {
  kefuCannedClose();
  var picker = document.createElement("div");
  picker.id = "canned-picker";
  picker.className = "canned-picker";
  picker.setAttribute("role", "dialog");
  var labels = document.getElementById("canned-labels");
  labels = labels ? labels.dataset : {};
  picker.setAttribute("aria-label", labels.title || "");
  picker.kefuBox = box;
  var filter = document.createElement("input");
  filter.type = "search";
  filter.setAttribute("aria-label", labels.filter || "");
  filter.setAttribute("data-testid", "canned-filter");
  filter.placeholder = labels.filter || "";
  var list = document.createElement("ul");
  list.setAttribute("role", "listbox");
  list.setAttribute("data-testid", "canned-list");
  picker.appendChild(filter);
  picker.appendChild(list);
  box.insertAdjacentElement("afterend", picker);
  var chosen = 0;
  var shown = [];
  function draw() {
    var words = filter.value.trim().toLowerCase();
    shown = replies.filter(function (reply) {
      return !words || (reply.title + " " + reply.text + " " + reply.category).toLowerCase().indexOf(words) !== -1;
    });
    chosen = Math.min(chosen, Math.max(shown.length - 1, 0));
    list.textContent = "";
    shown.forEach(function (reply, index) {
      var item = document.createElement("li");
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", index === chosen ? "true" : "false");
      var title = document.createElement("strong");
      title.textContent = reply.title + (reply.category ? "（" + reply.category + "）" : "");
      var text = document.createElement("span");
      text.textContent = " " + reply.text;
      item.appendChild(title);
      item.appendChild(text);
      item.addEventListener("mousedown", function (e) { e.preventDefault(); insert(reply); });
      list.appendChild(item);
    });
  }
  function insert(reply) {
    var start = box.selectionStart, end = box.selectionEnd;
    box.value = box.value.slice(0, start) + reply.text + box.value.slice(end);
    kefuCannedClose();
    box.focus();
    box.selectionStart = box.selectionEnd = start + reply.text.length;
  }
  filter.addEventListener("input", function () { chosen = 0; draw(); });
  filter.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown") { e.preventDefault(); chosen = Math.min(chosen + 1, shown.length - 1); draw(); }
    else if (e.key === "ArrowUp") { e.preventDefault(); chosen = Math.max(chosen - 1, 0); draw(); }
    else if (e.key === "Enter") { e.preventDefault(); if (shown[chosen]) insert(shown[chosen]); }
    else if (e.key === "Escape") { e.preventDefault(); kefuCannedClose(); box.focus(); }
  });
  filter.addEventListener("blur", function () { setTimeout(function () { if (document.activeElement !== filter) kefuCannedClose(); }, 150); });
  draw();
  filter.focus();
}
function kefuCannedClose() {
  var picker = document.getElementById("canned-picker");
  if (picker) picker.remove();
}
