//! The CBS figures the demo city is drawn from, compiled into the binary:
//! dwellings per 100 m grid cell and inhabitants and households per buurt
//! (see `geodata/README.md` for their source and how they were derived).

use serde::Deserialize;

const CELLS_CSV: &str = include_str!("../../../geodata/demo_cells_2024.csv");
const BUURTEN_CSV: &str = include_str!("../../../geodata/demo_buurten_2024.csv");

/// The building periods of the CBS grid, oldest first.
pub const PERIODS: usize = 8;

/// One CBS 100 m grid cell with dwellings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Cell {
    /// The CBS cell id, e.g. `E0836N4400`.
    pub cell: String,
    /// RD x of the south-west corner, in metres.
    pub rd_x_min: f64,
    /// RD y of the south-west corner, in metres.
    pub rd_y_min: f64,
    /// The buurt the cell's centre lies in.
    pub buurt: String,
    /// The PC4 area the cell's centre lies in.
    pub postcode4: u16,
    /// Dwellings in the cell.
    pub dwellings: u32,
    /// Of which in multi-family buildings.
    pub multi_family: u32,
    /// Dwellings built before 1945.
    pub built_voor_1945: u32,
    /// Built 1945–1964.
    pub built_45_tot_65: u32,
    /// Built 1965–1974.
    pub built_65_tot_75: u32,
    /// Built 1975–1984.
    pub built_75_tot_85: u32,
    /// Built 1985–1994.
    pub built_85_tot_95: u32,
    /// Built 1995–2004.
    pub built_95_tot_05: u32,
    /// Built 2005–2014.
    pub built_05_tot_15: u32,
    /// Built 2015 or later.
    pub built_15_en_later: u32,
}

impl Cell {
    /// Dwellings per building period, oldest first.
    pub fn periods(&self) -> [u32; PERIODS] {
        [
            self.built_voor_1945,
            self.built_45_tot_65,
            self.built_65_tot_75,
            self.built_75_tot_85,
            self.built_85_tot_95,
            self.built_95_tot_05,
            self.built_05_tot_15,
            self.built_15_en_later,
        ]
    }
}

/// One buurt's CBS kerncijfers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Buurt {
    /// CBS code, e.g. `BU06220101`.
    pub buurt: String,
    /// Its name.
    pub name: String,
    /// Registered inhabitants.
    pub inhabitants: u32,
    /// Private households.
    pub households: u32,
    /// Share of one-person households, in percent.
    pub single_person_percentage: u32,
}

/// The bundled figures could not be read (a build defect).
#[derive(Debug, thiserror::Error)]
#[error("the bundled CBS demo figures are unreadable: {0}")]
pub struct DataError(#[from] csv::Error);

fn read<T: for<'de> Deserialize<'de>>(text: &str) -> Result<Vec<T>, DataError> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(DataError)
}

/// Every Vlaardingen grid cell with dwellings, ordered by cell id.
pub fn cells() -> Result<Vec<Cell>, DataError> {
    read(CELLS_CSV)
}

/// Every Vlaardingen buurt, ordered by code.
pub fn buurten() -> Result<Vec<Buurt>, DataError> {
    read(BUURTEN_CSV)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_cells_hold_the_cbs_dwelling_count_of_vlaardingen() {
        let cells = cells().unwrap();
        let dwellings: u32 = cells.iter().map(|c| c.dwellings).sum();
        assert_eq!(dwellings, 36_100);
        assert!(cells.iter().all(|c| (3131..=3138).contains(&c.postcode4)));
        let buurten = buurten().unwrap();
        assert_eq!(buurten.len(), 40);
        assert_eq!(buurten.iter().map(|b| b.inhabitants).sum::<u32>(), 76_435);
    }
}
