//! Reading cases (SPEC 6, `eval`): a JSON object from attribute name to
//! value. [`CaseReader`] reads one straight from its text, without building
//! a JSON tree, looking names up in tables made once; on any problem it
//! gives the error [`Header::parse_case`] would, with the same words.

use super::Header;
use crate::check::{AttrId, Domain};
use crate::compile::mdd::FxBuild;
use crate::semantics::Value;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use std::collections::HashMap;
use std::fmt;

/// Reads cases of one header quickly (see the module documentation).
pub struct CaseReader<'h> {
    header: &'h Header,
    names: HashMap<String, AttrId, FxBuild>,
    /// Each enum attribute's values by name (empty for the others).
    values: Vec<HashMap<String, Value, FxBuild>>,
}

/// Why the fast reader stopped: a message it can give itself, or `None`
/// when the slow path should name the problem.
type Stop = Option<String>;

impl<'h> CaseReader<'h> {
    /// A reader for cases of `header`.
    pub fn new(header: &'h Header) -> CaseReader<'h> {
        CaseReader {
            header,
            names: header
                .attributes
                .iter()
                .enumerate()
                .map(|(i, a)| (a.name.clone(), i))
                .collect(),
            values: header
                .attributes
                .iter()
                .map(|a| match &a.domain {
                    Domain::Enum { values, .. } => values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (v.clone(), i as Value))
                        .collect(),
                    _ => HashMap::default(),
                })
                .collect(),
        }
    }

    /// Reads one case into `out` (`None` for attributes left out).
    pub fn read(&self, text: &str, out: &mut Vec<Option<Value>>) -> Result<(), String> {
        out.clear();
        out.resize(self.header.attributes.len(), None);
        let mut stop: Stop = None;
        let mut de = serde_json::Deserializer::from_str(text);
        let fast = CaseSeed {
            reader: self,
            out,
            stop: &mut stop,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end());
        match fast {
            Ok(()) => Ok(()),
            Err(_) => match stop {
                Some(msg) => Err(msg),
                None => {
                    // The slow path names every other problem.
                    let json: serde_json::Value = serde_json::from_str(text)
                        .map_err(|e| format!("the case is not valid JSON: {e}"))?;
                    *out = self.header.parse_case(&json)?;
                    Ok(())
                }
            },
        }
    }

    fn hint(got: &str, names: &mut dyn Iterator<Item = &str>) -> String {
        crate::diag::did_you_mean(got, names)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default()
    }
}

struct CaseSeed<'r, 'h, 'o> {
    reader: &'r CaseReader<'h>,
    out: &'o mut Vec<Option<Value>>,
    stop: &'o mut Stop,
}

impl<'de> DeserializeSeed<'de> for CaseSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for CaseSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object from attribute name to value")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        let reader = self.reader;
        while let Some(a) = map.next_key_seed(KeySeed {
            reader,
            stop: self.stop,
        })? {
            if self.out[a].is_some() {
                *self.stop = Some(format!(
                    "attribute `{}` is given twice; a case gives each attribute at most once",
                    reader.header.attributes[a].name
                ));
                return Err(de::Error::custom("duplicate"));
            }
            let v = map.next_value_seed(ValueSeed {
                reader,
                attr: a,
                stop: self.stop,
            })?;
            self.out[a] = Some(v);
        }
        Ok(())
    }
}

struct KeySeed<'r, 'h, 'o> {
    reader: &'r CaseReader<'h>,
    stop: &'o mut Stop,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_, '_, '_> {
    type Value = AttrId;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<AttrId, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_, '_, '_> {
    type Value = AttrId;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an attribute name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<AttrId, E> {
        match self.reader.names.get(key) {
            Some(&a) => Ok(a),
            None => {
                let attrs = &self.reader.header.attributes;
                let near = CaseReader::hint(key, &mut attrs.iter().map(|a| a.name.as_str()));
                *self.stop = Some(format!("unknown attribute `{key}`{near}"));
                Err(E::custom("unknown attribute"))
            }
        }
    }
}

struct ValueSeed<'r, 'h, 'o> {
    reader: &'r CaseReader<'h>,
    attr: AttrId,
    stop: &'o mut Stop,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        let a = &self.reader.header.attributes[self.attr];
        match (&a.domain, self.reader.values[self.attr].get(s)) {
            (Domain::Enum { values, .. }, found) => match found {
                Some(&v) => Ok(v),
                None => {
                    let near = CaseReader::hint(s, &mut values.iter().map(String::as_str));
                    *self.stop = Some(format!("`{s}` is not a value of `{}`{near}", a.name));
                    Err(E::custom("bad value"))
                }
            },
            // The slow path words a mismatch of kinds.
            _ => Err(E::custom("kind")),
        }
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        match self.reader.header.attributes[self.attr].domain {
            Domain::Bool => Ok(Value::from(b)),
            _ => Err(E::custom("kind")),
        }
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
        match self.reader.header.attributes[self.attr].domain {
            Domain::Int { lo, hi } if (lo..=hi).contains(&i) => Ok(i),
            _ => Err(E::custom("kind or range")),
        }
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        match i64::try_from(u) {
            Ok(i) => self.visit_i64(i),
            Err(_) => Err(E::custom("range")),
        }
    }
}
