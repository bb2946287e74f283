//! The kiosk's window: the types the .slint files generate (the UI's side of the typed
//! contract, see `contract`), the app made for it, and the wiring from what the citizen does
//! on screen to the app and back to the view.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use anyhow::Result;

use super::app::App;
use super::contract::{TechEvent, UiEvent, layout_from_ui};
use super::view;

slint::include_modules!();

/// The site's name as citizens know it (`ONEVISIT_SITE`, else the provisioned site).
fn site_name(data: &Path) -> String {
    if let Ok(s) = std::env::var("ONEVISIT_SITE") {
        return s;
    }
    onevisit_sync::driver::Identity::load(data)
        .map(|(id, _)| id.site)
        .unwrap_or_else(|_| "样例县政务服务中心".into())
}

/// Loads the catalog (from its folder), calendar and store (in the data folder), and makes the
/// app (no window yet).
pub fn make_app(catalog_folder: &Path, data: &Path) -> Result<App> {
    let (catalog, calendar) = crate::catalog_dir::load(catalog_folder)?;
    let store = match onevisit_store::Store::open(data) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::error!("case store unavailable: {e}");
            None
        }
    };
    let input = crate::input::Input::new(data, crate::input::coverage());
    Ok(App::new(catalog, calendar, store, site_name(data), input))
}

/// Connects what the citizen and the technician do on screen to the app, and shows the
/// result.
pub fn wire(window: &AppWindow, app: &Rc<RefCell<App>>) {
    let kiosk = window.global::<Kiosk>();
    let on_event = Rc::new(handler(window, app, |app, ev: UiEvent| {
        // Only the event's name: its argument may be personal (a name typed, a signature).
        tracing::debug!(event = ev.name(), "ui event");
        app.send(ev);
    }));
    let send = on_event.clone();
    kiosk.on_send(move |action, arg| match UiEvent::from_ui(action, &arg) {
        Ok(ev) => send(ev),
        // A page bug: seen in the log, never mistaken for a tap (the argument may be personal).
        Err(e) => tracing::error!("{e}"),
    });
    kiosk.on_switch_layout(move |layout| on_event(UiEvent::SwitchLayout(layout_from_ui(layout))));
    let on_technician = handler(window, app, |app, ev: TechEvent| {
        // Only the event's name: a PIN digit is never logged.
        tracing::debug!(event = ev.name(), "technician event");
        app.technician(ev);
    });
    window.global::<Technician>().on_send(move |action, arg| {
        match TechEvent::from_ui(action, &arg) {
            Ok(ev) => on_technician(ev),
            Err(e) => tracing::error!("{e}"),
        }
    });
}

/// Gives `ev` to the app with `apply`, then shows the result (in the new language if it
/// changed).
fn handler<E, F: Fn(&mut App, E) + 'static>(
    window: &AppWindow,
    app: &Rc<RefCell<App>>,
    apply: F,
) -> impl Fn(E) + use<E, F> {
    let (a, w) = (app.clone(), window.as_weak());
    move |ev| {
        let lang_before = a.borrow().english();
        apply(&mut a.borrow_mut(), ev);
        if let Some(w) = w.upgrade() {
            if a.borrow().english() != lang_before {
                select_language(&a.borrow());
            }
            view::show(&a.borrow(), &w, a.borrow().now());
        }
    }
}

/// The UI's own labels follow the session's language.
pub fn select_language(app: &App) {
    let lang = if app.english() { "" } else { "zh_CN" };
    if let Err(e) = slint::select_bundled_translation(lang) {
        tracing::warn!("translation {lang}: {e}");
    }
}
