// The Telegram Mini App's entry: the signed initData is in the address's fragment (never
// sent to a server by itself); hand it over once for a session, then open the overview.
(function () {
  "use strict";
  var box = document.getElementById("mini-app");
  if (!box) { return; }
  function failed() {
    document.getElementById("mini-app-wait").hidden = true;
    document.getElementById("mini-app-failed").hidden = false;
  }
  var data = new URLSearchParams(window.location.hash.slice(1)).get("tgWebAppData");
  if (!data) { failed(); return; }
  var body = new URLSearchParams();
  body.set("init_data", data);
  body.set("form_token", box.getAttribute("data-form-token") || "");
  fetch("/web/app/session", { method: "POST", body: body, credentials: "same-origin" })
    .then(function (answer) {
      if (answer.status === 204) { window.location.replace("/web/"); } else { failed(); }
    })
    .catch(failed);
})();
