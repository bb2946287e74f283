//! The PostgreSQL side of [`super::Conn`]: `?N` parameters rewritten to `$N`, statements
//! prepared once per connection, and values converted by the declared type of each parameter
//! and column.

use std::collections::HashMap;
use std::error::Error as StdError;

use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use super::{Error, Result, Row, Value};

pub struct PgConn {
    client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
    /// Inside `BEGIN` … `COMMIT`/`ROLLBACK` (the client does not say; `batch` watches).
    in_transaction: bool,
}

/// Most statements kept prepared on one connection (the crate has far fewer; the bound is
/// for SQL built with values in it).
const STATEMENTS: usize = 256;

impl PgConn {
    pub fn connect(url: &str) -> Result<PgConn> {
        let client = postgres::Client::connect(url, postgres::NoTls)?;
        Ok(PgConn {
            client,
            statements: HashMap::new(),
            in_transaction: false,
        })
    }

    pub fn healthy(&self) -> bool {
        !self.client.is_closed()
    }

    fn statement(&mut self, sql: &str) -> Result<postgres::Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let st = self
            .client
            .prepare(&dollar_params(sql))
            .map_err(|e| Error::Other(format!("PostgreSQL: {} in: {sql}", message(&e))))?;
        if self.statements.len() >= STATEMENTS {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), st.clone());
        Ok(st)
    }

    pub fn execute(&mut self, sql: &str, values: &[Value]) -> Result<usize> {
        let st = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
        let n = self.client.execute(&st, &params)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    pub fn query(&mut self, sql: &str, values: &[Value]) -> Result<Vec<Row>> {
        let st = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
        let rows = self.client.query(&st, &params)?;
        rows.iter()
            .map(|r| {
                let values = (0..r.len())
                    .map(|i| r.try_get::<_, Value>(i))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Row { values })
            })
            .collect()
    }

    pub fn batch(&mut self, sql: &str) -> Result<()> {
        let r = self.client.batch_execute(sql);
        let first = sql.trim_start().to_ascii_uppercase();
        if first.starts_with("BEGIN") {
            self.in_transaction = r.is_ok();
        } else if first == "COMMIT" || first == "ROLLBACK" {
            self.in_transaction = false;
        }
        Ok(r?)
    }

    pub fn in_transaction(&self) -> bool {
        self.in_transaction
    }
}

/// `?1` → `$1`, and a bare `?` → the next number, outside quoted text.
pub fn dollar_params(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut next = 1;
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    digits = next.to_string();
                    next += 1;
                }
                out.push('$');
                out.push_str(&digits);
            }
            None => out.push(c),
        }
    }
    out
}

/// The server's own words for an error (`db error` alone says nothing), with its SQLSTATE.
pub fn message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => {
            let mut m = format!("{} ({})", d.message(), d.code().code());
            if let Some(detail) = d.detail() {
                m.push_str(": ");
                m.push_str(detail);
            }
            m
        }
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

/// A URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((u, _)) => format!("{scheme}://{u}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

type BoxError = Box<dyn StdError + Sync + Send>;

fn mismatch(v: &Value, ty: &Type) -> BoxError {
    format!("cannot store {v:?} in a column of type {ty}").into()
}

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Int(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
            (Value::Int(i), &Type::NUMERIC) => numeric_from_i64(*i, out),
            (Value::Int(i), t) if is_text(t) => i.to_string().as_str().to_sql(&Type::TEXT, out),
            (Value::Real(f), &Type::FLOAT8) => f.to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT4) => (*f as f32).to_sql(ty, out),
            (Value::Text(s), t) if is_text(t) => s.as_str().to_sql(&Type::TEXT, out),
            (Value::Blob(b), &Type::BYTEA) => b.as_slice().to_sql(ty, out),
            (v, t) => Err(mismatch(v, t)),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn is_text(t: &Type) -> bool {
    matches!(
        *t,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
    )
}

impl<'a> FromSql<'a> for Value {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Value, BoxError> {
        Ok(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => Value::Blob(<Vec<u8>>::from_sql(ty, raw)?),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::JSON => {
                Value::Text(String::from_sql(&Type::TEXT, raw)?)
            }
            ref t => return Err(format!("columns of type {t} are not read here").into()),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Value, BoxError> {
        Ok(Value::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A `NUMERIC` (what `SUM` of integers and the JSON casts give) as an integer when it is
/// whole and fits, else as a real number. Binary format: digit count, weight, sign, scale,
/// then base-10000 digits.
fn numeric(raw: &[u8]) -> Result<Value, BoxError> {
    let word = |i: usize| -> Result<u16, BoxError> {
        raw.get(i * 2..i * 2 + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "a NUMERIC value cut short".into())
    };
    let ndigits = usize::from(word(0)?);
    let weight = i32::from(word(1)? as i16);
    let sign = word(2)?;
    if sign == 0xC000 {
        return Ok(Value::Null); // NaN
    }
    let mut whole: i128 = 0;
    let mut real = 0.0f64;
    let mut exact = true;
    for k in 0..ndigits {
        let d = i128::from(word(4 + k)?);
        let power = weight - k as i32;
        real += d as f64 * 10000f64.powi(power);
        if power >= 0 {
            whole = whole.saturating_add(d.saturating_mul(10000i128.saturating_pow(power as u32)));
        } else if d != 0 {
            exact = false;
        }
    }
    let negative = sign == 0x4000;
    if let (true, Ok(i)) = (exact, i64::try_from(if negative { -whole } else { whole })) {
        return Ok(Value::Int(i));
    }
    Ok(Value::Real(if negative { -real } else { real }))
}

fn numeric_from_i64(i: i64, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    let mut digits = Vec::new();
    let mut n = i.unsigned_abs();
    while n > 0 {
        digits.push((n % 10000) as u16);
        n /= 10000;
    }
    digits.reverse();
    let weight = digits.len() as i16 - 1;
    out.extend_from_slice(&(digits.len() as u16).to_be_bytes());
    out.extend_from_slice(&weight.max(0).to_be_bytes());
    out.extend_from_slice(&(if i < 0 { 0x4000u16 } else { 0 }).to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    for d in digits {
        out.extend_from_slice(&d.to_be_bytes());
    }
    Ok(IsNull::No)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_numbered_outside_quotes() {
        assert_eq!(
            dollar_params("SELECT '?', ?2, \"a?\" FROM t WHERE x = ? AND y = ?1"),
            "SELECT '?', $2, \"a?\" FROM t WHERE x = $1 AND y = $1"
        );
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redact("postgres://central:s3cret@db.example:5432/onevisit"),
            "postgres://central:***@db.example:5432/onevisit"
        );
        assert_eq!(redact("postgres://db/x"), "postgres://db/x");
        assert_eq!(redact("postgres://central@db/x"), "postgres://central@db/x");
    }

    #[test]
    fn numerics_read_back() {
        for i in [0i64, 1, 9999, 10000, 123_456_789, -42] {
            let mut b = BytesMut::new();
            numeric_from_i64(i, &mut b).unwrap();
            assert_eq!(numeric(&b).unwrap(), Value::Int(i), "{i}");
        }
        // 2.5: one digit of weight 0 (2), one of weight -1 (5000), scale 1.
        let raw = [0, 2, 0, 0, 0, 0, 0, 1, 0, 2, 0x13, 0x88];
        assert_eq!(numeric(&raw).unwrap(), Value::Real(2.5));
    }
}
