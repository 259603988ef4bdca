-- The whole woonregister data model (see DESIGN.md, "Data model").
-- Ids are 64-bit integers; dates are ISO text; timestamps are UTC.
-- House letter and addition are stored as '' when absent, so that the
-- uniqueness of an address also holds for addresses without them.

CREATE TABLE neighbourhoods (
    code          TEXT PRIMARY KEY NOT NULL CHECK (length(code) = 10 AND code LIKE 'BU%'),
    name          TEXT NOT NULL,
    wijk_code     TEXT,
    gemeente_code TEXT NOT NULL,
    gemeente_name TEXT NOT NULL,
    geometry      TEXT NOT NULL
);

CREATE TABLE addresses (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    bag_id                TEXT UNIQUE CHECK (bag_id IS NULL OR length(bag_id) = 16),
    postcode              TEXT NOT NULL CHECK (length(postcode) = 6),
    house_number          INTEGER NOT NULL CHECK (house_number BETWEEN 1 AND 99999),
    house_letter          TEXT NOT NULL DEFAULT '' CHECK (length(house_letter) <= 1),
    house_number_addition TEXT NOT NULL DEFAULT '' CHECK (length(house_number_addition) <= 4),
    street                TEXT NOT NULL,
    city                  TEXT NOT NULL,
    usage_purpose         TEXT NOT NULL CHECK (usage_purpose IN ('residential', 'lodging', 'industrial', 'office', 'retail', 'other')),
    floor_area_m2         DOUBLE PRECISION CHECK (floor_area_m2 IS NULL OR floor_area_m2 > 0),
    bedrooms              INTEGER CHECK (bedrooms IS NULL OR bedrooms >= 0),
    latitude              DOUBLE PRECISION NOT NULL,
    longitude             DOUBLE PRECISION NOT NULL,
    rd_x                  DOUBLE PRECISION NOT NULL,
    rd_y                  DOUBLE PRECISION NOT NULL,
    neighbourhood_code    TEXT REFERENCES neighbourhoods (code),
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    UNIQUE (postcode, house_number, house_letter, house_number_addition)
);
CREATE INDEX addresses_neighbourhood_idx ON addresses (neighbourhood_code);
CREATE INDEX addresses_rd_idx ON addresses (rd_x, rd_y);

CREATE TABLE organisations (
    id                INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kvk_number        TEXT NOT NULL UNIQUE CHECK (length(kvk_number) = 8),
    name              TEXT NOT NULL,
    is_agency         BOOLEAN NOT NULL,
    is_landlord       BOOLEAN NOT NULL,
    parent_kvk_number TEXT CHECK (parent_kvk_number IS NULL OR (length(parent_kvk_number) = 8 AND parent_kvk_number <> kvk_number)),
    is_certified      BOOLEAN NOT NULL,
    contact_email     TEXT,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX organisations_parent_idx ON organisations (parent_kvk_number);

CREATE TABLE people (
    id            INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    bsn           TEXT UNIQUE CHECK (bsn IS NULL OR length(bsn) = 9),
    family_name   TEXT NOT NULL,
    given_names   TEXT NOT NULL,
    date_of_birth DATE NOT NULL,
    nationality   TEXT,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX people_identity_idx ON people (family_name, given_names, date_of_birth);

CREATE TABLE declarations (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    agency_id                INTEGER NOT NULL REFERENCES organisations (id),
    person_id                INTEGER NOT NULL REFERENCES people (id),
    address_id               INTEGER NOT NULL REFERENCES addresses (id),
    landlord_id              INTEGER NOT NULL REFERENCES organisations (id),
    household                TEXT,
    start_date               DATE NOT NULL,
    end_date                 DATE CHECK (end_date IS NULL OR end_date >= start_date),
    rent_per_month_cents     BIGINT CHECK (rent_per_month_cents IS NULL OR rent_per_month_cents >= 0),
    rent_deducted_from_wages BOOLEAN NOT NULL,
    separate_rental_contract BOOLEAN NOT NULL,
    status                   TEXT NOT NULL CHECK (status IN ('accepted', 'amended', 'ended', 'withdrawn')),
    idempotency_key          TEXT,
    filed_by                 TEXT NOT NULL,
    filed_at                 TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL,
    UNIQUE (agency_id, idempotency_key)
);
CREATE INDEX declarations_agency_idx ON declarations (agency_id, status);
CREATE INDEX declarations_address_idx ON declarations (address_id);
CREATE INDEX declarations_person_idx ON declarations (person_id);

CREATE TABLE employments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    person_id       INTEGER NOT NULL REFERENCES people (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    start_date      DATE NOT NULL,
    end_date        DATE CHECK (end_date IS NULL OR end_date >= start_date),
    declaration_id  INTEGER REFERENCES declarations (id),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX employments_person_idx ON employments (person_id);
CREATE INDEX employments_organisation_idx ON employments (organisation_id);
CREATE INDEX employments_declaration_idx ON employments (declaration_id);

CREATE TABLE housing_provisions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    address_id      INTEGER NOT NULL REFERENCES addresses (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    role            TEXT NOT NULL CHECK (role IN ('owner', 'lessor', 'manager')),
    start_date      DATE NOT NULL,
    end_date        DATE CHECK (end_date IS NULL OR end_date >= start_date),
    declaration_id  INTEGER REFERENCES declarations (id),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX housing_provisions_address_idx ON housing_provisions (address_id);
CREATE INDEX housing_provisions_organisation_idx ON housing_provisions (organisation_id);

CREATE TABLE occupancies (
    id             INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    person_id      INTEGER NOT NULL REFERENCES people (id),
    address_id     INTEGER NOT NULL REFERENCES addresses (id),
    start_date     DATE NOT NULL,
    end_date       DATE CHECK (end_date IS NULL OR end_date >= start_date),
    household      TEXT,
    source         TEXT NOT NULL CHECK (source IN ('declaration', 'registry', 'inspection', 'manual')),
    declaration_id INTEGER REFERENCES declarations (id),
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX occupancies_address_idx ON occupancies (address_id, start_date);
CREATE INDEX occupancies_person_idx ON occupancies (person_id);
CREATE INDEX occupancies_declaration_idx ON occupancies (declaration_id);

CREATE TABLE signals (
    id               INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    address_id       INTEGER NOT NULL REFERENCES addresses (id),
    rule             TEXT NOT NULL,
    severity         TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    score            INTEGER NOT NULL CHECK (score >= 0),
    evidence         TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    rule_set_version TEXT NOT NULL,
    first_seen_at    TIMESTAMP NOT NULL,
    last_seen_at     TIMESTAMP NOT NULL,
    closed_at        TIMESTAMP
);
CREATE INDEX signals_address_idx ON signals (address_id, rule, status);
CREATE INDEX signals_status_idx ON signals (status, rule);

CREATE TABLE inspection_lists (
    id               INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    planned_for      DATE NOT NULL,
    inspector        TEXT NOT NULL,
    parameters       TEXT NOT NULL,
    total_distance_m DOUBLE PRECISION NOT NULL CHECK (total_distance_m >= 0),
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX inspection_lists_planned_idx ON inspection_lists (planned_for, inspector);

CREATE TABLE inspections (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    inspection_list_id INTEGER REFERENCES inspection_lists (id),
    address_id         INTEGER NOT NULL REFERENCES addresses (id),
    route_order        INTEGER NOT NULL CHECK (route_order >= 1),
    leg_distance_m     DOUBLE PRECISION NOT NULL CHECK (leg_distance_m >= 0),
    risk_score         INTEGER NOT NULL CHECK (risk_score >= 0),
    signals_snapshot   TEXT NOT NULL,
    visited_at         TIMESTAMP,
    result             TEXT CHECK (result IS NULL OR result IN ('no-violation', 'violation', 'no-access')),
    persons_found      INTEGER CHECK (persons_found IS NULL OR persons_found >= 0),
    bedrooms_found     INTEGER CHECK (bedrooms_found IS NULL OR bedrooms_found >= 0),
    notes              TEXT,
    recorded_by        TEXT,
    created_at         TIMESTAMP NOT NULL,
    UNIQUE (inspection_list_id, route_order)
);
CREATE INDEX inspections_address_idx ON inspections (address_id);

CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at            TIMESTAMP NOT NULL,
    actor         TEXT NOT NULL,
    role          TEXT NOT NULL,
    action        TEXT NOT NULL,
    resource      TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    trace_id      TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    previous_hash TEXT NOT NULL,
    hash          TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_actor_idx ON audit_events (actor, at);

CREATE TABLE outbox (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    recipient               TEXT NOT NULL,
    subject                 TEXT NOT NULL,
    body                    TEXT NOT NULL,
    attachment_name         TEXT,
    attachment_content_type TEXT,
    attachment              TEXT,
    attempts                INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at         TIMESTAMP NOT NULL,
    last_error              TEXT,
    sent_at                 TIMESTAMP,
    created_at              TIMESTAMP NOT NULL
);
CREATE INDEX outbox_pending_idx ON outbox (sent_at, next_attempt_at);

CREATE TABLE revoked_tokens (
    jti        TEXT PRIMARY KEY NOT NULL,
    revoked_at TIMESTAMP NOT NULL,
    reason     TEXT
);
