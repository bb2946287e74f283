//! `onevisit network`: technician mode's network section on the command line.

use std::io::Read;
use std::process::ExitCode;

use serde_json::json;

use super::{Network, Snapshot};
use crate::cli::NetworkCmd;

pub fn command(action: Option<NetworkCmd>, simulate: bool, json: bool) -> anyhow::Result<ExitCode> {
    let mut net: Box<dyn Network> = if simulate {
        Box::new(super::sim::Simulated::default())
    } else {
        Box::new(super::nm::NetworkManager::new())
    };
    match action {
        None => {}
        Some(NetworkCmd::Scan) => net.scan()?,
        Some(NetworkCmd::Join { ssid }) => {
            let secured = net
                .snapshot()?
                .access_points
                .iter()
                .find(|a| a.ssid == ssid)
                .map(|a| a.secured)
                .ok_or_else(|| super::NetError::NotInRange(ssid.clone()))?;
            let password = if secured {
                let mut p = String::new();
                std::io::stdin().read_to_string(&mut p)?;
                Some(p.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                None
            };
            net.join(&ssid, password.as_deref())?;
            tracing::info!(%ssid, "joined");
        }
    }
    let s = net.snapshot()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&to_json(&s))?);
    } else {
        print!("{}", to_text(&s));
    }
    Ok(ExitCode::SUCCESS)
}

fn kind(k: super::Kind) -> &'static str {
    match k {
        super::Kind::Ethernet => "ethernet",
        super::Kind::Wifi => "wifi",
        super::Kind::Modem => "modem",
        super::Kind::Other => "other",
    }
}

pub fn to_json(s: &Snapshot) -> serde_json::Value {
    json!({
        "links": s.links.iter().map(|l| json!({
            "iface": l.iface,
            "kind": kind(l.kind),
            "state": l.state.words().1,
            "address": l.address,
        })).collect::<Vec<_>>(),
        "wifi": s.access_points.iter().map(|a| json!({
            "ssid": a.ssid,
            "strength": a.strength,
            "secured": a.secured,
            "active": a.active,
        })).collect::<Vec<_>>(),
        "modem": s.modem.as_ref().map(|m| json!({
            "state": m.state.words().1,
            "operator": m.operator,
            "technology": m.technology,
            "signal": m.signal,
            "sim": m.sim,
        })),
    })
}

fn to_text(s: &Snapshot) -> String {
    let mut out = String::new();
    for l in &s.links {
        out += &format!(
            "{:<8} {:<9} {}{}\n",
            l.iface,
            kind(l.kind),
            l.state.words().1,
            l.address
                .as_ref()
                .map(|a| format!(" {a}"))
                .unwrap_or_default()
        );
    }
    for a in &s.access_points {
        out += &format!(
            "  wifi {} {:>3}% {}{}\n",
            if a.active { "*" } else { " " },
            a.strength,
            a.ssid,
            if a.secured { " (password)" } else { "" }
        );
    }
    if let Some(m) = &s.modem {
        out += &format!(
            "modem    {} {} signal {}% {}{}\n",
            if m.operator.is_empty() {
                "—"
            } else {
                &m.operator
            },
            m.technology,
            m.signal,
            m.state.words().1,
            if m.sim { "" } else { " (no SIM)" }
        );
    }
    out
}
