//! Values as EIAM spells them: times, statuses, paging and sorting.

use idplane_core::clock::Timestamp;
use idplane_core::query::{Paging, SortDirection, UserField, UserSort};
use serde::Deserialize;
use time::macros::format_description;

use super::error::TcError;
use crate::flex::{self, Int};

/// `2021-01-13T09:44:07.182+0000`, as EIAM writes times.
pub fn time(ts: Timestamp) -> String {
    ts.to_datetime()
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000"
        ))
        .unwrap_or_default()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SortIn {
    sort_key: Option<String>,
    sort_order: Option<String>,
}

fn direction(order: Option<&str>) -> Result<SortDirection, TcError> {
    match order.map(str::to_ascii_uppercase).as_deref() {
        None | Some("") | Some("ASC") => Ok(SortDirection::Asc),
        Some("DESC") => Ok(SortDirection::Desc),
        Some(other) => Err(TcError::InvalidParameterValue(format!(
            "SortOrder {other:?} is not ASC or DESC."
        ))),
    }
}

/// The user sort of a request: `keys` maps each accepted SortKey; default DisplayName ascending.
pub fn user_sort(sort: Option<SortIn>, keys: &[(&str, UserField)]) -> Result<UserSort, TcError> {
    let Some(sort) = sort else {
        return Ok(UserSort {
            field: UserField::DisplayName,
            direction: SortDirection::Asc,
        });
    };
    let field = match sort.sort_key.as_deref() {
        None | Some("") => UserField::DisplayName,
        Some(k) => keys
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(k))
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                TcError::SortKeyIllegal(format!(
                    "SortKey {k:?} is not one of {}.",
                    keys.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ))
            })?,
    };
    Ok(UserSort {
        field,
        direction: direction(sort.sort_order.as_deref())?,
    })
}

/// Any other sort: the key's position in `keys`, default the first, and the direction.
pub fn sort_key<T: Copy>(
    sort: Option<SortIn>,
    keys: &[(&str, T)],
    default: T,
) -> Result<(T, SortDirection), TcError> {
    let Some(sort) = sort else {
        return Ok((default, SortDirection::Asc));
    };
    let key = match sort.sort_key.as_deref() {
        None | Some("") => default,
        Some(k) => keys
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(k))
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                TcError::InvalidParameterValue(format!(
                    "SortKey {k:?} is not one of {}.",
                    keys.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ))
            })?,
    };
    Ok((key, direction(sort.sort_order.as_deref())?))
}

/// `Offset` and `Limit`: both or neither; Limit 1 to 100, Offset at least 0. Neither means the
/// first `unpaged` rows.
pub fn paging(offset: Option<Int>, limit: Option<Int>, unpaged: u32) -> Result<Paging, TcError> {
    match (flex::get(offset), flex::get(limit)) {
        (None, None) => Ok(Paging::Offset {
            offset: 0,
            limit: unpaged,
        }),
        (Some(_), None) | (None, Some(_)) => Err(TcError::InvalidParameter(
            "Offset and Limit must be given together.".to_owned(),
        )),
        (Some(o), Some(l)) => {
            let offset = u64::try_from(o).map_err(|_| {
                TcError::InvalidParameter(format!("Offset must be at least 0, got {o}."))
            })?;
            if !(1..=100).contains(&l) {
                return Err(TcError::InvalidParameter(format!(
                    "Limit must be between 1 and 100, got {l}."
                )));
            }
            Ok(Paging::Offset {
                offset,
                limit: u32::try_from(l).unwrap_or(100),
            })
        }
    }
}
