//! An inspection list as files: CSV that opens correctly in Dutch Excel
//! (UTF-8 with BOM, `;` between cells, one row per visit in route order)
//! and RFC 7946 `GeoJSON` (visit points and the route as a `LineString`,
//! positions longitude first) for QGIS.

use serde_json::{Value, json};

use crate::db::addresses::Address;
use crate::registry::inspections::{ListWithVisits, Visit};

/// The byte-order mark Excel needs to read the file as UTF-8.
pub const BOM: &str = "\u{feff}";

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 9] = [
    "order",
    "address",
    "postcode",
    "buurt",
    "risk score",
    "rules",
    "occupant count",
    "landlord",
    "leg distance (m)",
];

/// The address on one line: street, number, letter and addition, place.
pub fn address_line(address: &Address) -> String {
    let mut line = format!("{} {}", address.street, address.house_number);
    if let Some(letter) = address.letter() {
        line.push_str(&letter);
    }
    if let Some(addition) = address.addition() {
        line.push('-');
        line.push_str(&addition);
    }
    line.push_str(", ");
    line.push_str(&address.city);
    line
}

/// A text cell that a spreadsheet could take for a formula gets a leading
/// apostrophe, so that it is shown, never run.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn rules_of(visit: &Visit) -> Vec<String> {
    visit
        .signals
        .iter()
        .map(|s| s.rule.as_str().to_owned())
        .collect()
}

/// The list as CSV for Dutch Excel, BOM first.
pub fn csv(list: &ListWithVisits) -> Result<String, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(CSV_COLUMNS)?;
    for visit in &list.visits {
        let address = &visit.address;
        writer.write_record([
            visit.inspection.route_order.to_string(),
            cell(&address_line(address)),
            address.postcode.clone(),
            address.neighbourhood_code.clone().unwrap_or_default(),
            visit.inspection.risk_score.to_string(),
            rules_of(visit).join(", "),
            visit.occupant_count.to_string(),
            cell(visit.landlord.as_deref().unwrap_or_default()),
            format!("{:.0}", visit.inspection.leg_distance_m),
        ])?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(format!("{BOM}{}", String::from_utf8_lossy(&bytes)))
}

/// The list as a `GeoJSON` `FeatureCollection`: one point per visit and
/// the route from the start through every visit.
pub fn geojson(list: &ListWithVisits) -> Value {
    let mut features: Vec<Value> = list
        .visits
        .iter()
        .map(|visit| {
            let address = &visit.address;
            json!({
                "type": "Feature",
                "id": visit.inspection.id,
                "geometry": {"type": "Point", "coordinates": [address.longitude, address.latitude]},
                "properties": {
                    "order": visit.inspection.route_order,
                    "inspectionId": visit.inspection.id,
                    "addressId": address.id,
                    "address": address_line(address),
                    "postcode": address.postcode,
                    "neighbourhoodCode": address.neighbourhood_code,
                    "riskScore": visit.inspection.risk_score,
                    "rules": rules_of(visit),
                    "occupantCount": visit.occupant_count,
                    "landlord": visit.landlord,
                    "legDistanceM": visit.inspection.leg_distance_m,
                }
            })
        })
        .collect();
    if !list.visits.is_empty() {
        let start = [
            list.parameters.start_longitude,
            list.parameters.start_latitude,
        ];
        let route: Vec<[f64; 2]> = std::iter::once(start)
            .chain(
                list.visits
                    .iter()
                    .map(|v| [v.address.longitude, v.address.latitude]),
            )
            .collect();
        features.push(json!({
            "type": "Feature",
            "id": "route",
            "geometry": {"type": "LineString", "coordinates": route},
            "properties": {
                "inspectionListId": list.list.id,
                "totalDistanceM": list.list.total_distance_m,
            }
        }));
    }
    json!({"type": "FeatureCollection", "features": features})
}
