// Proposes the browser's own time zone in a time-zone <select> marked data-browser-timezone (sign-up, accepting an
// invitation). The field stays visible and changeable; nothing is sent until the person submits the form.
(() => {
  const propose = () => {
    let zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return;
    }
    for (const select of document.querySelectorAll("select[data-browser-timezone]")) {
      if (zone && Array.from(select.options).some((option) => option.value === zone)) {
        select.value = zone;
      }
    }
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", propose);
  } else {
    propose();
  }
})();
