//! The queue and updates: sync now, the USB stick's export, diagnostics and update bundles,
//! and the reboot the unprivileged app asks for.

use std::sync::atomic::Ordering;

use super::super::app::App;
use super::{Done, Said, usb};

impl App {
    pub(super) fn sync_now(&mut self) {
        self.tech.message = Some(match &self.tech.sync_wake {
            Some(w) => {
                w.notify_one();
                Said::good(
                    "已请求立即同步：见上方“上次联系”",
                    "sync asked for now: see “last contact” above",
                )
            }
            None => Said::bad(
                "同步未运行：本机尚未开通（见“开通”）",
                "sync is not running: this kiosk is not enrolled (see Provisioning)",
            ),
        });
    }

    /// A file name's timestamp, from the app's clock.
    pub(super) fn stamp(&self) -> String {
        self.local_time().format("%Y%m%d-%H%M%S").to_string()
    }

    pub(super) fn export_usb(&mut self) {
        let Some(data) = self.tech.data.clone() else {
            return;
        };
        if self.tech.busy() {
            return;
        }
        let (usb, now, stamp) = (self.tech.usb_dir.clone(), self.now(), self.stamp());
        let progress = self.tech.progress.clone();
        progress.store(0, Ordering::Relaxed);
        self.tech.message = Some(Said::good("正在导出…", "exporting…"));
        self.tech
            .start(move || Done::Exported(usb::export(&data, &usb, now, &stamp, &progress)));
    }

    pub(super) fn diagnostics(&mut self) {
        if self.tech.busy() {
            return;
        }
        let checklist = self.technician_checklist();
        let facts = self.all_facts();
        let (usb, data, stamp) = (
            self.tech.usb_dir.clone(),
            self.tech.data.clone(),
            self.stamp(),
        );
        self.tech.start(move || {
            Done::Diagnostics(usb::diagnostics(
                &usb,
                data.as_deref(),
                &stamp,
                &checklist,
                &facts,
            ))
        });
    }

    pub(super) fn install_update(&mut self) {
        if self.tech.busy() {
            return;
        }
        let bundle = match usb::bundle(&self.tech.usb_dir) {
            Ok(b) => b,
            Err(e) => {
                self.tech.message = Some(Said::bad(format!("未找到更新包：{e}"), e));
                return;
            }
        };
        let progress = self.tech.progress.clone();
        progress.store(0, Ordering::Relaxed);
        self.tech.message = Some(Said::good(
            format!("正在安装 {}…", bundle.display()),
            format!("installing {}…", bundle.display()),
        ));
        self.tech
            .start(move || Done::Installed(usb::install(&bundle, progress)));
    }

    /// The app has no privileges: it asks for the reboot by leaving a file in its folder,
    /// which `onevisit-reboot.path` on the kiosk image acts on.
    pub(super) fn reboot(&mut self) {
        let asked = self
            .tech
            .data
            .as_ref()
            .map(|d| std::fs::write(d.join("reboot-request"), b"technician\n"));
        self.tech.message = Some(match asked {
            Some(Ok(())) => Said::good(
                "正在重启…（若一分钟后仍未重启：请关闭电源再打开）",
                "rebooting… (if nothing happens within a minute, switch the kiosk off and on)",
            ),
            _ => Said::bad(
                "无法请求重启：请关闭电源再打开",
                "could not ask for a reboot: switch the kiosk off and on",
            ),
        });
    }
}
