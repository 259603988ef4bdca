// The map: Leaflet (vendored, global `L`) on the CBS buurt outlines, with
// an optional tile layer when the service is configured with one. Points
// are drawn on one canvas so that thousands stay fast. Everything the map
// shows is also in a table beside it.

import { h } from "./dom.js";
import { address, number, distance } from "./format.js";
import { ruleName } from "./evidence.js";

const BUURT_ATTRIBUTION = "Buurtgrenzen: Kadaster / Centraal Bureau voor de Statistiek, 2024";

/** Colour classes of a buurt's risk (sum of risk scores of its addresses). */
export const RISK_CLASSES = [
  { min: 0, colour: "#f7f7f7", label: "geen signalen" },
  { min: 1, colour: "#fde0c5", label: "laag" },
  { min: 100, colour: "#f9a66c", label: "middel" },
  { min: 400, colour: "#e4572e", label: "hoog" },
  { min: 1000, colour: "#a4161a", label: "zeer hoog" },
];

function riskClass(sum) {
  let index = 0;
  RISK_CLASSES.forEach((c, i) => { if (sum >= c.min) index = i; });
  return index;
}

/** The colour of a point by its address's risk score. */
function pointColour(score) {
  if (score >= 60) return "#7a0019";
  if (score >= 30) return "#c0392b";
  return "#d9822b";
}

/** A map in `el`; `label` names it for screen readers. */
export function createMap(el, label) {
  el.setAttribute("role", "region");
  el.setAttribute("aria-label", label);
  const map = L.map(el, { preferCanvas: true, zoomSnap: 0.25, minZoom: 9, maxZoom: 19 });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(BUURT_ATTRIBUTION);
  const { tileUrl, tileAttribution } = document.body.dataset;
  if (tileUrl) {
    const attribution = document.createElement("span");
    attribution.textContent = tileAttribution || "";
    L.tileLayer(tileUrl, { attribution: attribution.innerHTML, maxZoom: 19 }).addTo(map);
  }
  map.setView([51.9073, 4.3417], 13);
  return map;
}

/** Buurt code → name, of every buurt layer drawn in this tab so far. */
export const buurtNames = new Map();

/** The buurt outlines, coloured by risk (faintly under a route). */
export function buurtLayer(collection, { isFaint = false } = {}) {
  for (const f of collection.features) buurtNames.set(f.properties.code, f.properties.name);
  return L.geoJSON(collection, {
    style: (feature) => ({
      color: "#4a4a4a",
      weight: 1,
      fillColor: RISK_CLASSES[riskClass(feature.properties.riskScoreSum || 0)].colour,
      fillOpacity: (feature.properties.addresses > 0 ? 0.55 : 0.15) * (isFaint ? 0.4 : 1),
    }),
    onEachFeature: (feature, layer) => {
      const p = feature.properties;
      layer.bindTooltip(`${p.name} (${p.code}): ${number(p.openSignals, 0)} open signalen`, { sticky: true });
    },
  });
}

/** The bounds of the buurten that hold addresses (the municipality). */
export function populatedBounds(collection) {
  const populated = collection.features.filter((f) => f.properties.addresses > 0);
  if (!populated.length) return null;
  return L.geoJSON({ type: "FeatureCollection", features: populated }).getBounds();
}

/** The hotspots as dashed outlines. */
export function hotspotLayer(collection) {
  return L.geoJSON(collection, {
    style: () => ({ color: "#5b2a86", weight: 2, dashArray: "6 4", fill: false }),
    interactive: false,
  });
}

function popup(props) {
  const a = props.address;
  return h("div", {},
    h("strong", {}, address(a)), h("br"),
    `${a.postcode} · risicoscore ${number(props.riskScore, 0)}`, h("br"),
    (props.signals || []).map((s) => ruleName(s.rule)).join(", "), h("br"),
    h("a", { href: `#/adres/${a.id}` }, "Dossier openen"));
}

/** The addresses with open signals as circles sized by risk score. */
export function signalLayer(features) {
  const renderer = L.canvas({ padding: 0.2 });
  const markers = features.map((f) => {
    const [lon, lat] = f.geometry.coordinates;
    const score = f.properties.riskScore || 0;
    return L.circleMarker([lat, lon], {
      renderer,
      radius: 3 + Math.min(score, 100) / 12,
      color: "#ffffff",
      weight: 1,
      fillColor: pointColour(score),
      fillOpacity: 0.85,
    }).bindPopup(() => popup(f.properties));
  });
  return L.layerGroup(markers);
}

/** A walking list as a numbered route from its start. */
export function routeLayer(list) {
  const start = [list.start.latitude, list.start.longitude];
  const stops = list.items.map((item) => [item.latitude, item.longitude]);
  const group = L.featureGroup();
  L.polyline([start, ...stops], { color: "#154273", weight: 4, opacity: 0.8 }).addTo(group);
  L.marker(start, {
    icon: L.divIcon({ className: "route-number route-start", html: "S", iconSize: [22, 22] }),
    keyboard: false,
    title: "Start",
  }).addTo(group);
  list.items.forEach((item) => {
    L.marker([item.latitude, item.longitude], {
      icon: L.divIcon({ className: "route-number", html: String(item.order), iconSize: [22, 22] }),
      keyboard: false,
      title: `${item.order}. ${address(item)} (${distance(item.legDistanceM)})`,
    }).addTo(group);
  });
  return group;
}
