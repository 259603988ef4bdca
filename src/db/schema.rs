//! The database schema, one `table!` per table of the migrations in
//! `migrations/sqlite` and `migrations/postgres` (kept in lockstep).
// @generated shape: the same as `diesel print-schema` gives for the PostgreSQL
// migrations, with 64-bit ids on both backends.
#![expect(missing_docs, reason = "the columns are documented in the migrations")]

diesel::table! {
    neighbourhoods (code) {
        code -> Text,
        name -> Text,
        wijk_code -> Nullable<Text>,
        gemeente_code -> Text,
        gemeente_name -> Text,
        geometry -> Text,
    }
}

diesel::table! {
    addresses (id) {
        id -> BigInt,
        bag_id -> Nullable<Text>,
        postcode -> Text,
        house_number -> Integer,
        house_letter -> Text,
        house_number_addition -> Text,
        street -> Text,
        city -> Text,
        usage_purpose -> Text,
        floor_area_m2 -> Nullable<Double>,
        bedrooms -> Nullable<Integer>,
        latitude -> Double,
        longitude -> Double,
        rd_x -> Double,
        rd_y -> Double,
        neighbourhood_code -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    organisations (id) {
        id -> BigInt,
        kvk_number -> Text,
        name -> Text,
        is_agency -> Bool,
        is_landlord -> Bool,
        parent_kvk_number -> Nullable<Text>,
        is_certified -> Bool,
        contact_email -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    people (id) {
        id -> BigInt,
        bsn -> Nullable<Text>,
        family_name -> Text,
        given_names -> Text,
        date_of_birth -> Date,
        nationality -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    declarations (id) {
        id -> BigInt,
        agency_id -> BigInt,
        person_id -> BigInt,
        address_id -> BigInt,
        landlord_id -> BigInt,
        household -> Nullable<Text>,
        start_date -> Date,
        end_date -> Nullable<Date>,
        rent_per_month_cents -> Nullable<BigInt>,
        rent_deducted_from_wages -> Bool,
        separate_rental_contract -> Bool,
        status -> Text,
        idempotency_key -> Nullable<Text>,
        filed_by -> Text,
        filed_at -> Timestamp,
        updated_at -> Timestamp,
        worker_bsn -> Nullable<Text>,
        worker_family_name -> Text,
        worker_given_names -> Text,
        worker_date_of_birth -> Date,
        worker_nationality -> Nullable<Text>,
    }
}

diesel::table! {
    employments (id) {
        id -> BigInt,
        person_id -> BigInt,
        organisation_id -> BigInt,
        start_date -> Date,
        end_date -> Nullable<Date>,
        declaration_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    housing_provisions (id) {
        id -> BigInt,
        address_id -> BigInt,
        organisation_id -> BigInt,
        role -> Text,
        start_date -> Date,
        end_date -> Nullable<Date>,
        declaration_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    occupancies (id) {
        id -> BigInt,
        person_id -> BigInt,
        address_id -> BigInt,
        start_date -> Date,
        end_date -> Nullable<Date>,
        household -> Nullable<Text>,
        source -> Text,
        declaration_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    signals (id) {
        id -> BigInt,
        address_id -> BigInt,
        rule -> Text,
        severity -> Text,
        score -> Integer,
        evidence -> Text,
        status -> Text,
        rule_set_version -> Text,
        first_seen_at -> Timestamp,
        last_seen_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        rd_cell -> BigInt,
    }
}

diesel::table! {
    inspection_lists (id) {
        id -> BigInt,
        planned_for -> Date,
        inspector -> Text,
        parameters -> Text,
        total_distance_m -> Double,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    inspections (id) {
        id -> BigInt,
        inspection_list_id -> Nullable<BigInt>,
        address_id -> BigInt,
        route_order -> Integer,
        leg_distance_m -> Double,
        risk_score -> Integer,
        signals_snapshot -> Text,
        visited_at -> Nullable<Timestamp>,
        result -> Nullable<Text>,
        persons_found -> Nullable<Integer>,
        bedrooms_found -> Nullable<Integer>,
        notes -> Nullable<Text>,
        recorded_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        role -> Text,
        action -> Text,
        resource -> Text,
        purpose -> Text,
        trace_id -> Text,
        outcome -> Text,
        previous_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        attachment_name -> Nullable<Text>,
        attachment_content_type -> Nullable<Text>,
        attachment -> Nullable<Text>,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    revoked_tokens (jti) {
        jti -> Text,
        revoked_at -> Timestamp,
        reason -> Nullable<Text>,
    }
}

diesel::joinable!(addresses -> neighbourhoods (neighbourhood_code));
diesel::joinable!(declarations -> addresses (address_id));
diesel::joinable!(declarations -> people (person_id));
diesel::joinable!(employments -> people (person_id));
diesel::joinable!(employments -> organisations (organisation_id));
diesel::joinable!(housing_provisions -> addresses (address_id));
diesel::joinable!(housing_provisions -> organisations (organisation_id));
diesel::joinable!(occupancies -> addresses (address_id));
diesel::joinable!(occupancies -> people (person_id));
diesel::joinable!(signals -> addresses (address_id));
diesel::joinable!(inspections -> addresses (address_id));
diesel::joinable!(inspections -> inspection_lists (inspection_list_id));

diesel::allow_tables_to_appear_in_same_query!(
    neighbourhoods,
    addresses,
    organisations,
    people,
    declarations,
    employments,
    housing_provisions,
    occupancies,
    signals,
    inspection_lists,
    inspections,
    audit_events,
    outbox,
    revoked_tokens,
);
