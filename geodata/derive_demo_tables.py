#!/usr/bin/env python3
"""Derives the two small tables the demo city is generated from (see README.md):

  demo_cells_2024.csv   one row per CBS 100 m cell of Vlaardingen with dwellings
  demo_buurten_2024.csv one row per Vlaardingen buurt: inhabitants and households

from the CBS files in ../shared/geodata (standard library only). Run from the
project root:  python3 geodata/derive_demo_tables.py ../shared/geodata
"""
import csv
import json
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/geodata"


def inside(x, y, ring):
    hit = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            hit = not hit
        j = i
    return hit


def polygons(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return geometry["coordinates"]


def in_area(x, y, geometry):
    for rings in polygons(geometry):
        if inside(x, y, rings[0]) and not any(inside(x, y, hole) for hole in rings[1:]):
            return True
    return False


pc4 = json.load(open(f"{src}/vlaardingen_pc4_2024.geojson"))["features"]
cells = json.load(open(f"{src}/vlaardingen_cbs_vierkant100m_2024.geojson"))["features"]
periods = ["voor_1945", "45_tot_65", "65_tot_75", "75_tot_85", "85_tot_95", "95_tot_05", "05_tot_15", "15_en_later"]

with open("geodata/demo_cells_2024.csv", "w", newline="") as out:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["cell", "rd_x_min", "rd_y_min", "buurt", "postcode4", "dwellings", "multi_family"] + [f"built_{p}" for p in periods])
    for f in sorted(cells, key=lambda f: f["properties"]["crs28992res100m"]):
        p = f["properties"]
        dwellings = p.get("aantal_woningen") or 0
        if dwellings <= 0:
            continue
        ring = f["geometry"]["coordinates"][0][:-1]
        cx = sum(q[0] for q in ring) / len(ring)
        cy = sum(q[1] for q in ring) / len(ring)
        area = next((a["properties"]["postcode4"] for a in pc4 if in_area(cx, cy, a["geometry"])), None)
        if area is None:  # centre just outside every PC4 area: take the nearest centroid
            def dist(a):
                pts = [q for rings in polygons(a["geometry"]) for q in rings[0]]
                ax = sum(q[0] for q in pts) / len(pts)
                ay = sum(q[1] for q in pts) / len(pts)
                return (ax - cx) ** 2 + (ay - cy) ** 2
            area = min(pc4, key=dist)["properties"]["postcode4"]
        w.writerow([p["crs28992res100m"], p["rd_x_min"], p["rd_y_min"], p["buurtcode_approx"], area, dwellings,
                    p.get("aantal_meergezins_woningen") or 0] + [p.get(f"aantal_woningen_bouwjaar_{q}") or 0 for q in periods])

buurten = json.load(open(f"{src}/vlaardingen_buurten_2024.geojson"))["features"]
with open("geodata/demo_buurten_2024.csv", "w", newline="") as out:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["buurt", "name", "inhabitants", "households", "single_person_percentage"])
    for f in sorted(buurten, key=lambda f: f["properties"]["code"]):
        p = f["properties"]
        w.writerow([p["code"], p["naam"], p.get("aantal_inwoners") or 0, p.get("aantal_huishoudens") or 0,
                    p.get("percentage_eenpersoonshuishoudens") or 0])
