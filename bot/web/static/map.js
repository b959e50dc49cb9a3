// The incidents map: markers from the page's JSON island. Without Leaflet (or without
// network for the tiles) the table below still lists every incident.
(function () {
  "use strict";
  var box = document.getElementById("map");
  var island = document.getElementById("incident-points");
  if (!box || !island) { return; }
  var points = [];
  try { points = JSON.parse(island.textContent || "[]"); } catch (e) { points = []; }
  if (!points.length || typeof window.L === "undefined") { return; }
  var L = window.L;
  box.className += " shown"; // shown before Leaflet measures it
  var map = L.map(box, { scrollWheelZoom: false });
  map.attributionControl.setPrefix("<a href=\"https://leafletjs.com\">Leaflet</a>");
  L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 19,
    attribution: "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a>"
  }).addTo(map);
  var bounds = [];
  points.forEach(function (p) {
    var marker = L.circleMarker([p.lat, p.lng], { radius: 8, color: "#a3141b", weight: 2, fillOpacity: 0.7 });
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.title;
    marker.bindPopup(link);
    marker.addTo(map);
    bounds.push([p.lat, p.lng]);
  });
  map.fitBounds(bounds, { maxZoom: 15, padding: [24, 24] });
  box.setAttribute("data-markers", String(points.length));
})();
