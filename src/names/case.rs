//! Reading cases (SPEC 6, `eval`): JSON text in, a case over a
//! [`Header`]'s indices out.
//!
//! A case is a JSON object from attribute name to value: a string naming
//! an enum value, `true` or `false` for a bool, an integer inside an int's
//! range. Attributes left out are `None`. [`CaseReader`] is the one reader
//! of cases, for `--case` and for every line of `--cases` alike: it reads
//! straight from the text with serde_json's streaming deserializer,
//! building no JSON tree and looking names up in tables made once, and it
//! words every error itself.
//!
//! # What is refused
//!
//! Each refusal is one line that names the attribute (and suggests a near
//! name where there is one):
//!
//! * text that is not JSON, or JSON that is not an object;
//! * an unknown attribute, and an unknown value of an enum;
//! * an attribute given twice (JSON parsers disagree on which of two
//!   values for one key wins, so either would be a guess);
//! * a value of the wrong kind (`"3"` or `null` for an int);
//! * for an int, a number written with a fraction or an exponent (`1.5`,
//!   `1e3`, `5.0`): it is not an integer, even when its value is whole. An
//!   integer outside the attribute's range is refused with the range, and
//!   so is a number beyond the 64-bit integers however it is written.
//!
//! The first problem met is the one reported; the rest of the text is not
//! read.

use super::Header;
use crate::check::{AttrId, Domain};
use crate::compile::mdd::FxBuild;
use crate::semantics::Value;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::HashMap;
use std::fmt;

/// Reads cases of one header (see the module documentation). Any number of
/// threads may share one reader.
pub struct CaseReader<'h> {
    header: &'h Header,
    names: HashMap<&'h str, AttrId, FxBuild>,
    /// Each enum attribute's values by name (empty for the others).
    values: Vec<HashMap<&'h str, u32, FxBuild>>,
}

/// The message of a problem the reader found itself. serde_json's own
/// errors (syntax, nesting) leave it `None` and are worded from the
/// `serde_json::Error`.
type Stop = Option<String>;

/// The message for JSON that is not an object.
const NOT_AN_OBJECT: &str = "a case must be a JSON object from attribute name to value";

/// The most characters of a name or string a message repeats: a line of
/// `--cases` may hold a megabyte-long string, and its error record should
/// not.
const ECHO_CHARS: usize = 64;

/// `s` as a message repeats it: whole when short, else its first
/// [`ECHO_CHARS`] characters and `…`.
fn echo(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(ECHO_CHARS) {
        None => s.into(),
        Some((cut, _)) => format!("{}…", &s[..cut]).into(),
    }
}

impl<'h> CaseReader<'h> {
    /// A reader for cases of `header`.
    pub fn new(header: &'h Header) -> CaseReader<'h> {
        CaseReader {
            header,
            names: header.attributes_by_name(),
            values: header.values_by_name(),
        }
    }

    /// Reads one case into `out`: `out[i]` is the value of
    /// `header.attributes[i]`, `None` when the case leaves it out. On an
    /// error `out` holds whatever was read before it.
    pub fn read(&self, text: &str, out: &mut Vec<Option<Value>>) -> Result<(), String> {
        out.clear();
        out.resize(self.header.attributes.len(), None);
        let mut stop: Stop = None;
        let mut de = serde_json::Deserializer::from_str(text);
        let read = CaseSeed {
            reader: self,
            out,
            stop: &mut stop,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end());
        read.map_err(|e| stop.unwrap_or_else(|| format!("the case is not valid JSON: {e}")))
    }

    /// Reads one case into a new vector (see [`CaseReader::read`]).
    pub fn case(&self, text: &str) -> Result<Vec<Option<Value>>, String> {
        let mut out = Vec::new();
        self.read(text, &mut out)?;
        Ok(out)
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

impl CaseSeed<'_, '_, '_> {
    fn not_an_object<E: de::Error>(self) -> Result<(), E> {
        *self.stop = Some(NOT_AN_OBJECT.to_string());
        Err(E::custom(NOT_AN_OBJECT))
    }
}

impl<'de> DeserializeSeed<'de> for CaseSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
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

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.not_an_object()
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.not_an_object()
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.not_an_object()
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.not_an_object()
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.not_an_object()
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.not_an_object()
    }

    fn visit_seq<S: SeqAccess<'de>>(self, _: S) -> Result<(), S::Error> {
        self.not_an_object()
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
                *self.stop = Some(format!("unknown attribute `{}`{near}", echo(key)));
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

impl ValueSeed<'_, '_, '_> {
    fn refuse<T, E: de::Error>(self, message: String) -> Result<T, E> {
        *self.stop = Some(message);
        Err(E::custom("refused"))
    }

    /// A value of the wrong kind for the attribute; `got` says what it is:
    /// a scalar as JSON in backticks, a container by its kind.
    fn wrong_kind<T, E: de::Error>(self, got: &dyn fmt::Display) -> Result<T, E> {
        let a = &self.reader.header.attributes[self.attr];
        let want = match a.domain {
            Domain::Enum { .. } => "a string naming one of its values",
            Domain::Bool => "`true` or `false`",
            Domain::Int { .. } => "an integer",
        };
        let message = format!("`{}` takes {want}, not {got}", a.name);
        self.refuse(message)
    }

    fn out_of_range<T, E: de::Error>(
        self,
        got: &dyn fmt::Display,
        lo: i64,
        hi: i64,
    ) -> Result<T, E> {
        let name = &self.reader.header.attributes[self.attr].name;
        let message = format!("`{got}` is outside the range {lo}..{hi} of `{name}`");
        self.refuse(message)
    }
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
            (Domain::Enum { .. }, Some(&v)) => Ok(Value::from(v)),
            (Domain::Enum { values, .. }, None) => {
                let near = CaseReader::hint(s, &mut values.iter().map(String::as_str));
                let message = format!("`{}` is not a value of `{}`{near}", echo(s), a.name);
                self.refuse(message)
            }
            _ => self.wrong_kind(&format!("`{}`", serde_json::Value::from(echo(s)))),
        }
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        match self.reader.header.attributes[self.attr].domain {
            Domain::Bool => Ok(Value::from(b)),
            _ => self.wrong_kind(&format!("`{b}`")),
        }
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
        match self.reader.header.attributes[self.attr].domain {
            Domain::Int { lo, hi } if (lo..=hi).contains(&i) => Ok(i),
            Domain::Int { lo, hi } => self.out_of_range(&i, lo, hi),
            _ => self.wrong_kind(&format!("`{i}`")),
        }
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        match (
            i64::try_from(u),
            &self.reader.header.attributes[self.attr].domain,
        ) {
            (Ok(i), _) => self.visit_i64(i),
            (Err(_), &Domain::Int { lo, hi }) => self.out_of_range(&u, lo, hi),
            (Err(_), _) => self.wrong_kind(&format!("`{u}`")),
        }
    }

    /// serde_json calls this for a number written with a fraction or an
    /// exponent, for `-0`, and for an integer beyond the 64-bit range.
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
        // As serde_json writes it: `1.5`, `1000.0`, `1e+20`.
        let shown = serde_json::Number::from_f64(f)
            .map(|n| n.to_string())
            .unwrap_or_else(|| f.to_string());
        let a = &self.reader.header.attributes[self.attr];
        let Domain::Int { lo, hi } = a.domain else {
            return self.wrong_kind(&format!("`{shown}`"));
        };
        // Beyond ±2^63 no int attribute reaches, whatever the notation.
        if f.abs() >= 9_223_372_036_854_775_808.0 {
            return self.out_of_range(&shown, lo, hi);
        }
        let message = if f.fract() == 0.0 {
            format!(
                "`{shown}` is not written as an integer; `{}` takes an integer in {lo}..{hi}, \
                 written without a fraction or exponent",
                a.name
            )
        } else {
            format!(
                "`{shown}` is not an integer; `{}` takes an integer in {lo}..{hi}",
                a.name
            )
        };
        self.refuse(message)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.wrong_kind(&"`null`")
    }

    // A container is named by its kind rather than repeated: it may be a
    // megabyte long.
    fn visit_map<M: MapAccess<'de>>(self, _: M) -> Result<Value, M::Error> {
        self.wrong_kind(&"an object")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, _: S) -> Result<Value, S::Error> {
        self.wrong_kind(&"an array")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;

    const POLICY: &str = "policy t\nattribute role: { admin, staff, guest }\n\
                          attribute flagged: bool\nattribute amount: int 0..10000\n\
                          decision o: { allow, deny }\ndefault deny\n\
                          when role = admin then allow\n";

    fn header() -> Header {
        let mut map = SourceMap::new();
        let r = crate::api::check_source(&mut map, "t.policy", POLICY);
        let p = r.policy.unwrap_or_else(|| panic!("{:?}", r.diagnostics));
        Header::from_policy(&p, &map)
    }

    fn err(text: &str) -> String {
        let h = header();
        CaseReader::new(&h).case(text).expect_err(text)
    }

    #[test]
    fn reads_every_kind_and_leaves_the_rest_out() {
        let h = header();
        let r = CaseReader::new(&h);
        let case = r
            .case(r#" {"amount": 10000, "role": "guest", "flagged": true} "#)
            .unwrap();
        assert_eq!(case, [Some(2), Some(1), Some(10000)]);
        assert_eq!(r.case(r#"{"amount": 0}"#).unwrap(), [None, None, Some(0)]);
        assert_eq!(r.case("{}").unwrap(), [None, None, None]);
        // Escapes in names are read, not compared as written.
        assert_eq!(
            r.case(r#"{"r\u006fle": "st\u0061ff"}"#).unwrap(),
            [Some(1), None, None]
        );
        // The output vector is reused, not appended to.
        let mut out = vec![Some(7); 9];
        r.read(r#"{"flagged": false}"#, &mut out).unwrap();
        assert_eq!(out, [None, Some(0), None]);
    }

    #[test]
    fn a_key_given_twice_is_refused() {
        let twice = "attribute `amount` is given twice; a case gives each attribute at most once";
        assert_eq!(err(r#"{"amount": 3, "amount": 3}"#), twice);
        assert_eq!(err(r#"{"amount": 3, "flagged": true, "amount": 4}"#), twice);
        assert_eq!(err(r#"{"amount": 3, "amount": 1.5}"#), twice);
        assert_eq!(err(r#"{"amount": 3, "amount": "x"}"#), twice);
        // A bad first value is reported as such; the case is refused
        // either way, whatever follows.
        assert!(err(r#"{"amount": 20000, "amount": 3}"#).contains("outside the range"));
        assert!(err(r#"{"amount": "3", "amount": 3}"#).contains("takes an integer"));
        assert!(err(r#"{"amount": 1.5, "amount": 3}"#).contains("not an integer"));
        assert!(err(r#"{"role": "staf", "role": "staff"}"#).contains("did you mean `staff`?"));
    }

    #[test]
    fn a_number_that_is_not_an_integer_says_so() {
        assert_eq!(
            err(r#"{"amount": 1.5}"#),
            "`1.5` is not an integer; `amount` takes an integer in 0..10000"
        );
        assert_eq!(
            err(r#"{"amount": -2.5e1}"#),
            "`-25.0` is not written as an integer; `amount` takes an integer in 0..10000, \
             written without a fraction or exponent"
        );
        for whole in ["1e3", "5.0", "1E+2", "0.0"] {
            let e = err(&format!(r#"{{"amount": {whole}}}"#));
            assert!(e.contains("is not written as an integer"), "{whole}: {e}");
            assert!(e.contains("without a fraction or exponent"), "{whole}: {e}");
        }
        assert_eq!(
            err(r#"{"amount": "3"}"#),
            "`amount` takes an integer, not `\"3\"`"
        );
        assert_eq!(
            err(r#"{"amount": null}"#),
            "`amount` takes an integer, not `null`"
        );
        assert_eq!(
            err(r#"{"amount": [1, 2]}"#),
            "`amount` takes an integer, not an array"
        );
        assert_eq!(
            err(r#"{"amount": {"a": 1}}"#),
            "`amount` takes an integer, not an object"
        );
    }

    #[test]
    fn an_integer_outside_the_range_names_the_range() {
        for (written, shown) in [
            ("10001", "10001"),
            ("-1", "-1"),
            ("9223372036854775807", "9223372036854775807"),
            ("18446744073709551615", "18446744073709551615"),
            ("99999999999999999999", "1e+20"),
            ("-99999999999999999999", "-1e+20"),
            ("1e30", "1e+30"),
        ] {
            assert_eq!(
                err(&format!(r#"{{"amount": {written}}}"#)),
                format!("`{shown}` is outside the range 0..10000 of `amount`"),
                "{written}"
            );
        }
    }

    #[test]
    fn other_problems_name_the_attribute() {
        assert_eq!(
            err(r#"{"rol": "admin"}"#),
            "unknown attribute `rol`; did you mean `role`?"
        );
        assert_eq!(
            err(r#"{"role": "staf"}"#),
            "`staf` is not a value of `role`; did you mean `staff`?"
        );
        assert_eq!(
            err(r#"{"flagged": "yes"}"#),
            "`flagged` takes `true` or `false`, not `\"yes\"`"
        );
        assert_eq!(
            err(r#"{"flagged": 1}"#),
            "`flagged` takes `true` or `false`, not `1`"
        );
        assert_eq!(
            err(r#"{"role": 2.5}"#),
            "`role` takes a string naming one of its values, not `2.5`"
        );
        assert_eq!(
            err(r#"{"role": true}"#),
            "`role` takes a string naming one of its values, not `true`"
        );
        for not_an_object in ["5", "[1]", "\"x\"", "null", "true", "-0.5"] {
            assert_eq!(err(not_an_object), NOT_AN_OBJECT, "{not_an_object}");
        }
        // Long names and strings are cut short in messages.
        let long = "x".repeat(100_000);
        let e = err(&format!(r#"{{"{long}": 1}}"#));
        assert_eq!(
            e,
            format!("unknown attribute `{}…`", "x".repeat(ECHO_CHARS))
        );
        let e = err(&format!(r#"{{"role": "{long}"}}"#));
        assert_eq!(
            e,
            format!("`{}…` is not a value of `role`", "x".repeat(ECHO_CHARS))
        );
        let e = err(&format!(r#"{{"flagged": "é{long}"}}"#));
        assert_eq!(
            e,
            format!(
                "`flagged` takes `true` or `false`, not `\"é{}…\"`",
                "x".repeat(ECHO_CHARS - 1)
            )
        );
        for (bad, want) in [
            ("not json", "expected ident at line 1 column 2"),
            (r#"{"role": "admin""#, "EOF while parsing an object"),
            (r#"{"role": "admin"} {}"#, "trailing characters"),
            ("", "EOF while parsing a value"),
        ] {
            let e = err(bad);
            assert!(e.starts_with("the case is not valid JSON: "), "{bad}: {e}");
            assert!(e.contains(want), "{bad}: {e}");
        }
    }
}
