// The <details> menus of base.html work without this file; with it they also
// close as Bootstrap's dropdowns do: on a click outside, on Escape (focus goes
// back to the menu's toggle), and a dropdown when focus leaves it.
(function () {
  function openMenus() {
    return document.querySelectorAll("details[data-menu][open]");
  }

  function isShown(element) {
    return element.getClientRects().length > 0;
  }

  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    // The innermost open menu around the focus (a dropdown inside the phone
    // menu closes before the phone menu does); with the focus nowhere, the
    // innermost open one. Focus in a form field elsewhere is left alone.
    var focused = document.activeElement;
    var menu = focused && focused !== document.body
      ? focused.closest("details[data-menu][open]")
      : Array.prototype.slice.call(openMenus()).pop();
    if (!menu) return;
    var summary = menu.querySelector(":scope > summary");
    menu.open = false;
    if (summary && isShown(summary)) summary.focus();
    event.preventDefault();
  });

  document.addEventListener("focusout", function (event) {
    var menu = event.target.closest && event.target.closest("details.nav-menu[open]");
    if (menu && event.relatedTarget && !menu.contains(event.relatedTarget)) menu.open = false;
  });
})();
