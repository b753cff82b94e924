"""Realistic, seeded vet-practice books of any size, generated column-wise (a million rows in ~1 s).

Used by the sample book (:mod:`data.demo`) and the benchmark. Distributions are plausible for US
small-animal practices; nothing here is real data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EMR_SYSTEMS = np.array(
    ["Cornerstone", "IDEXX Neo", "AVImark", "eVetPractice", "ezyVet", "Shepherd", "Covetrus Pulse", ""],
    dtype=object,
)
EMR_WEIGHTS = np.array([0.22, 0.12, 0.16, 0.06, 0.1, 0.04, 0.05, 0.25])
TECHNOLOGIES = np.array(
    ["Online booking widget", "Two-way texting", "Patient portal", "Telehealth", "Reminder emails", ""],
    dtype=object,
)
FIRST = np.array(
    [
        "Emily",
        "James",
        "Sarah",
        "Michael",
        "Jessica",
        "David",
        "Laura",
        "Daniel",
        "Anna",
        "Robert",
        "Maria",
        "Kevin",
        "Rachel",
        "Thomas",
        "Olivia",
        "Brian",
        "Megan",
        "Chris",
        "Hannah",
        "Priya",
    ],
    dtype=object,
)
LAST = np.array(
    [
        "Carter",
        "Nguyen",
        "Patel",
        "Johnson",
        "Garcia",
        "Miller",
        "Okafor",
        "Schmidt",
        "Rossi",
        "Kim",
        "Hughes",
        "Lopez",
        "Bennett",
        "Reyes",
        "Walsh",
        "Moreau",
        "Singh",
        "Brooks",
        "Foster",
        "Ward",
    ],
    dtype=object,
)
TITLES = np.array(
    ["Owner", "Practice Owner", "Medical Director", "Practice Manager", "Hospital Administrator"],
    dtype=object,
)
NAME_A = np.array(
    [
        "Happy",
        "Paws &",
        "Riverside",
        "Oak Valley",
        "Maple",
        "Sunset",
        "Harbor",
        "Pine Ridge",
        "Lakeside",
        "Cedar",
        "Willow",
        "Brookside",
        "Summit",
        "Meadow",
        "Northside",
        "Bayview",
        "Greenway",
        "Fox Run",
    ],
    dtype=object,
)
NAME_B = np.array(
    [
        "Animal Hospital",
        "Veterinary Clinic",
        "Pet Care",
        "Veterinary Center",
        "Animal Clinic",
        "Vet Hospital",
        "Companion Animal Care",
        "Family Veterinary",
    ],
    dtype=object,
)
STREETS = np.array(
    ["Main St", "Oak Ave", "Elm St", "Maple Dr", "Park Blvd", "2nd St", "Cedar Ln", "Lake Rd"], dtype=object
)
CITIES = np.array(
    [
        "Austin, TX",
        "Denver, CO",
        "Portland, OR",
        "Raleigh, NC",
        "Madison, WI",
        "Boise, ID",
        "Tampa, FL",
        "Columbus, OH",
        "Richmond, VA",
        "Tucson, AZ",
    ],
    dtype=object,
)


def _phone(rng: np.random.Generator, n: int) -> np.ndarray:
    area = rng.integers(201, 990, n)
    mid = rng.integers(200, 999, n)
    last = rng.integers(0, 10_000, n)
    return np.char.add(
        np.char.add(np.char.add(np.char.add("(", area.astype(str)), ") "), np.char.add(mid.astype(str), "-")),
        np.char.zfill(last.astype(str), 4),
    ).astype(object)


def _enriched_only(values: np.ndarray, enriched: np.ndarray) -> pd.arrays.BooleanArray:
    """A yes/no enrichment fact: blank (NA) for practices that were never enriched."""
    return pd.arrays.BooleanArray(values, mask=~enriched)


def synthetic_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """A flat book (SPEC §1 columns) of ``n`` practices with a realistic mix of data quality."""
    rng = np.random.default_rng(seed)
    status = rng.choice(["Completed", "Partial", "Failed", "Not Started"], n, p=[0.55, 0.15, 0.1, 0.2])
    enriched = (status == "Completed") | (status == "Partial")
    confidence = np.where(enriched, rng.choice(["high", "medium", "low"], n, p=[0.5, 0.3, 0.2]), "")

    vets = np.clip(np.round(rng.lognormal(1.5, 0.6, n)), 1, 40).astype(np.int64)
    vet_known = enriched & (rng.random(n) < 0.9)
    phones_n = np.where(enriched, rng.choice([0, 1, 2, 3, 4], n, p=[0.08, 0.35, 0.3, 0.2, 0.07]), 0)
    main_phone = _phone(rng, n)
    second, third, fourth = _phone(rng, n), _phone(rng, n), _phone(rng, n)
    joined = np.where(
        phones_n >= 4,
        main_phone + ";" + second + ";" + third + ";" + fourth,
        np.where(
            phones_n == 3,
            main_phone + ";" + second + ";" + third,
            np.where(phones_n == 2, main_phone + ";" + second, np.where(phones_n == 1, main_phone, "")),
        ),
    )
    emr = np.where(enriched, rng.choice(EMR_SYSTEMS, n, p=EMR_WEIGHTS), "")
    tech_a = rng.choice(TECHNOLOGIES, n)
    tech_b = rng.choice(TECHNOLOGIES, n)
    technologies = np.where(enriched, np.where(tech_b != "", tech_a + ";" + tech_b, tech_a), "")
    has_dm = enriched & (rng.random(n) < 0.6)
    first, last = rng.choice(FIRST, n), rng.choice(LAST, n)
    dm_name = np.where(has_dm, "Dr. " + first + " " + last, "")
    slug = np.char.lower(last.astype(str))
    website = np.where(rng.random(n) < 0.85, "https://www." + slug.astype(object) + "vet.example.com", "")
    names = rng.choice(NAME_A, n) + " " + rng.choice(NAME_B, n)
    street_no = rng.integers(10, 9999, n).astype(str).astype(object)
    address = street_no + " " + rng.choice(STREETS, n) + ", " + rng.choice(CITIES, n)

    frame = pd.DataFrame(
        {
            "practice_id": np.char.add("p-", np.arange(n).astype(str)).astype(object),
            "name": names,
            "address": address,
            "phone": main_phone,
            "website": website,
            "rating": np.where(rng.random(n) < 0.95, np.round(rng.uniform(3.2, 5.0, n), 1), np.nan),
            "reviews_count": pd.array(
                np.where(rng.random(n) < 0.95, rng.negative_binomial(2, 0.02, n), -1), dtype="Int64"
            ),
            "place_id": np.char.add("ChIJ", rng.integers(10**9, 10**10, n).astype(str)).astype(object),
            "has_multiple_locations": rng.random(n) < 0.15,
            "enrichment_status": status.astype(object),
            "enrichment_confidence": confidence.astype(object),
            "vet_count": pd.array(np.where(vet_known, vets, -1), dtype="Int64"),
            "vet_count_confidence": confidence.astype(object),
            "phone_numbers": joined,
            "email_addresses": np.where(enriched, "info@" + slug.astype(object) + "vet.example.com", ""),
            "emr_system": emr,
            "has_online_booking": _enriched_only(rng.random(n) < 0.45, enriched),
            "has_telemedicine": _enriched_only(rng.random(n) < 0.2, enriched),
            "technologies": technologies,
            "decision_maker_name": dm_name,
            "decision_maker_title": np.where(has_dm, rng.choice(TITLES, n), ""),
            "decision_maker_linkedin": np.where(
                has_dm & (rng.random(n) < 0.5), "https://www.linkedin.com/in/" + slug.astype(object), ""
            ),
        }
    )
    for column in ("reviews_count", "vet_count"):
        frame.loc[frame[column] < 0, column] = pd.NA
    # Blank cells are missing data, as they would be in a spreadsheet.
    text_columns = [c for c in frame.columns if frame[c].dtype == np.dtype(object)]
    for column in text_columns:
        frame[column] = frame[column].astype("str").replace("", pd.NA)
    return frame
