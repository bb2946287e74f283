//! The command-line contract. Names of subcommands, flags and JSON keys are relied on by
//! other tools and checks: add freely, never rename.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "onevisit",
    version,
    about = "OneVisit self-service kiosk (一件事一次办)"
)]
pub struct Cli {
    /// The catalog folder [default: $ONEVISIT_CATALOG, ./catalog, /usr/share/onevisit/catalog]
    #[arg(long, global = true, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    /// The kiosk's data folder (cases, attachments, data key)
    /// [default: $ONEVISIT_DATA_DIR, else $XDG_DATA_HOME/onevisit or ~/.local/share/onevisit]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// More log output (-v info, -vv debug); ONEVISIT_LOG overrides
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum NetworkCmd {
    /// Scan for Wi-Fi networks, then show the network
    Scan,
    /// Join a Wi-Fi network; its password (for a secured one) is read from standard input,
    /// never from the command line
    Join { ssid: String },
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the kiosk (the default when no command is given)
    Run {
        /// The kiosk's settings (site name, idle time, device ports, retention); a device
        /// without a port is reported missing
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Put simulators in place of every device without a port (development and
        /// demonstrations: `make run`). Shown on screen; never on a kiosk for citizens
        #[arg(long)]
        simulate: bool,
    },
    /// Test every device and link of this kiosk: one line each, pass / fail / not fitted with
    /// the reason; exits 0 only when every fitted device passes
    Selftest {
        /// The kiosk's settings naming its devices (as `run --config`)
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Test simulators in place of every device without a port
        #[arg(long)]
        simulate: bool,
        /// `{"checks": [{"name", "ok", "state", "detail"}…]}`
        #[arg(long)]
        json: bool,
    },
    /// The network as NetworkManager has it (technician mode's network section): each link,
    /// Wi-Fi networks in range, the 4G modem; `scan` and `join` as on the screen
    Network {
        #[command(subcommand)]
        action: Option<NetworkCmd>,
        /// The simulated network (as `run --simulate` shows)
        #[arg(long, global = true)]
        simulate: bool,
        /// `{"links": [{"iface", "kind", "state", "address"}…], "wifi": [{"ssid", "strength",
        /// "secured", "active"}…], "modem": {"state", "operator", "technology", "signal", "sim"}}`
        #[arg(long, global = true)]
        json: bool,
    },
    /// Render every screen (Chinese, English, elderly mode) with sample data to PNG files
    Screenshots {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Screen sizes, e.g. 1080x1920,1920x1080,800x1280
        #[arg(long, default_value = "1080x1920", value_delimiter = ',')]
        size: Vec<String>,
        /// Show the screens as a kiosk with these settings would (its site name and its notice
        /// for devices not configured): the reference the OS image test compares its display with
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Inspect and check the theme catalog
    #[command(subcommand)]
    Catalog(CatalogCmd),
    /// Working-day calendar
    #[command(subcommand)]
    Calendar(CalendarCmd),
    /// Resident ID-card reader
    #[command(subcommand)]
    Idcard(IdcardCmd),
    /// Machine-readable zones of passports, ID cards and travel permits
    #[command(subcommand)]
    Mrz(MrzCmd),
    /// Device simulators on pseudo-terminals (print the port path, then serve)
    #[command(subcommand)]
    Sim(SimCmd),
    /// The kiosk receipt: ESC/POS bytes and what they print
    #[command(subcommand)]
    Receipt(ReceiptCmd),
    /// Receipt printer
    #[command(subcommand)]
    Printer(PrinterCmd),
    /// Document capture: camera pages to one PDF per material
    #[command(subcommand)]
    Capture(CaptureCmd),
    /// Cabinet signals: status LED, relays, presence sensor, service button, tamper switch
    #[command(subcommand)]
    Gpio(GpioCmd),
    /// The queue of cases waiting for (or delivered to) the central system
    #[command(subcommand)]
    Queue(QueueCmd),
    /// The case store itself
    #[command(subcommand)]
    Store(StoreCmd),
    /// Cases
    #[command(subcommand)]
    Case(CaseCmd),
    /// Enroll this kiosk with the county's central system (one-time code from the county)
    Provision {
        /// The central system's address, e.g. https://zwfw.example.gov.cn:8443
        #[arg(long, value_name = "URL", required_unless_present_any = ["config", "qr"])]
        central: Option<String>,
        /// One-time enrollment code from `onevisit-central enroll-code`
        #[arg(long, value_name = "CODE", required_unless_present_any = ["config", "qr"])]
        code: Option<String>,
        /// The county's enrollment QR code as text (`onevisit:enroll?…`, from `onevisit-central
        /// enroll-code --qr`): address, code, certificate pin and site in one line
        #[arg(long, value_name = "PAYLOAD", conflicts_with_all = ["central", "code", "config", "pin"])]
        qr: Option<String>,
        /// With --qr: the site this kiosk stands at; a code made for another site is refused
        #[arg(long, value_name = "NAME", requires = "qr")]
        site: Option<String>,
        /// Take the address, code and pin from the kiosk settings' `[central]` table (the OS
        /// image's `onevisit.toml`); a kiosk already provisioned is left as it is
        #[arg(long, value_name = "FILE", conflicts_with_all = ["central", "code", "force"])]
        config: Option<PathBuf>,
        /// Also require this SHA-256 of the server's certificate (`onevisit-central
        /// fingerprint`) or of its public key (`onevisit-central tls pins`)
        #[arg(long, value_name = "SHA256")]
        pin: Option<String>,
        /// Replace an existing identity
        #[arg(long)]
        force: bool,
    },
    /// The kiosk settings file: check it, read one setting (for the OS image's services)
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Chinese input: check the pinyin dictionaries and the handwriting model
    #[command(subcommand)]
    Input(InputCmd),
    /// Deliver queued cases to the central system, fetch status changes and catalogs
    Sync {
        /// Drain the queue once and exit, reporting what happened (otherwise run until Ctrl-C)
        #[arg(long)]
        once: bool,
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum InputCmd {
    /// Pinyin candidates for LETTERS, best first (only characters the kiosk's font draws)
    Pinyin {
        /// e.g. kaifandian (use ' between ambiguous syllables: xi'an)
        letters: String,
        #[command(flatten)]
        json: Json,
    },
    /// Handwriting candidates for STROKES.json: an array of strokes, each an array of [x, y]
    /// points on a 300×300 pad, origin top-left
    Handwriting {
        strokes: PathBuf,
        #[command(flatten)]
        json: Json,
    },
    /// Build the pinyin dictionaries in DATA/rime (setup, image build and provisioning run
    /// this, so no citizen ever waits for it)
    Deploy {
        #[command(flatten)]
        json: Json,
    },
    /// Which input engines work on this kiosk, and what to install when one does not
    Status {
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum QueueCmd {
    /// Cases with state, attempts and last error (personal data masked)
    List(#[command(flatten)] Json),
    /// One case in detail (personal data masked)
    Show {
        case_id: String,
        #[command(flatten)]
        json: Json,
    },
    /// Write every queued case to a signed, encrypted bundle in DIR (e.g. a USB stick) for
    /// `onevisit-central import`; the cases stay queued until acknowledged online
    Export {
        dir: PathBuf,
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum StoreCmd {
    /// Integrity check of the database and every attachment; non-zero exit with the problem
    Check,
}

#[derive(Debug, Subcommand)]
pub enum CaseCmd {
    /// Commit synthetic cases (invented people) through the kiosk's own path
    SubmitSample {
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// Pages per material
        #[arg(long, default_value_t = 1)]
        pages: u32,
    },
}

#[derive(Debug, Args)]
pub struct ProfileArg {
    /// Hardware profile: rpi4-cabinet, rpi5-cabinet, x86-pc, simulated, or a TOML file
    /// [default: $ONEVISIT_GPIO_PROFILE, else simulated]
    #[arg(long)]
    pub profile: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum GpioCmd {
    /// Read every input and show the wiring
    Status {
        #[command(flatten)]
        profile: ProfileArg,
        #[command(flatten)]
        json: Json,
    },
    /// Drive an output: status_led on|off|idle|busy|attention|fault; reader_power or
    /// printer_power cycle (off for the profile's power-cycle time, then on)
    Set {
        name: String,
        value: String,
        /// How long to show a pattern or hold the level
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        #[command(flatten)]
        profile: ProfileArg,
    },
    /// Print the udev rules that name the cabinet's USB modules /dev/onevisit/idcard, mrz,
    /// printer and camera, from the profile's [[usb]] table (the OS image installs them at boot)
    UdevRules {
        #[command(flatten)]
        profile: ProfileArg,
        /// Take the profile from these kiosk settings (`[devices] gpio`) instead
        #[arg(long, value_name = "FILE", conflicts_with = "profile")]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Print one setting's value (empty when it is not set): site, idle_seconds, ssh.enabled,
    /// devices.gpio, devices.idcard, devices.printer, devices.mrz, devices.camera, central.url
    Get {
        key: String,
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Read a technician PIN (4 to 12 digits) from standard input and print the salted, slow
    /// hash to put in the settings as `technician_pin` (the PIN itself is never stored)
    PinHash,
}

#[derive(Debug, Subcommand)]
pub enum CaptureCmd {
    /// Straighten, check and compress photographed pages into one PDF
    Process {
        /// Photographs of the pages, in order (JPEG or PNG)
        #[arg(required = true)]
        images: Vec<PathBuf>,
        #[arg(long, value_name = "OUT.pdf")]
        pdf: PathBuf,
        /// text (black and white), gray, or colour
        #[arg(long, default_value = "text", value_parser = ["text", "gray", "colour"])]
        mode: String,
        #[command(flatten)]
        json: Json,
    },
    /// Take one full-resolution still from the document camera
    Snap {
        /// /dev/videoN, or sim:DIR for a simulated camera
        #[arg(long)]
        device: String,
        #[arg(long, value_name = "FILE.jpg")]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct PaperArgs {
    /// Paper width in mm
    #[arg(long, default_value_t = 80, value_parser = paper_mm)]
    pub width: u32,
    /// How the printer model prints QR codes
    #[arg(long, default_value = "native", value_parser = ["native", "raster"])]
    pub qr: String,
}

#[derive(Debug, Subcommand)]
pub enum ReceiptCmd {
    /// Write the receipt's ESC/POS bytes to stdout
    Escpos {
        receipt: PathBuf,
        #[command(flatten)]
        paper: PaperArgs,
    },
    /// Render the receipt to PNG by interpreting its ESC/POS bytes, as a printer would
    Render {
        receipt: PathBuf,
        #[arg(long, value_name = "OUT.png")]
        png: PathBuf,
        #[command(flatten)]
        paper: PaperArgs,
    },
    /// Render the take-home list of materials for a theme (as the kiosk prints it) to PNG
    Checklist {
        theme: String,
        /// An answer to a situational question, KEY=VALUE (repeat for each question)
        #[arg(long = "answer", value_name = "KEY=VALUE")]
        answers: Vec<String>,
        #[arg(long, value_name = "OUT.png")]
        png: PathBuf,
        #[command(flatten)]
        paper: PaperArgs,
        /// The site printed at the top
        #[arg(long, default_value = "样例县政务服务中心")]
        site: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PrinterCmd {
    /// Ask the printer for its status (exit 0 ready, 2 not ready, 1 no answer)
    Status {
        #[arg(long, value_name = "PATH")]
        port: String,
        #[arg(long, default_value_t = 115_200)]
        baud: u32,
        #[command(flatten)]
        json: Json,
    },
    /// Print a test page
    Test {
        #[arg(long, value_name = "PATH")]
        port: String,
        #[arg(long, default_value_t = 115_200)]
        baud: u32,
        #[command(flatten)]
        paper: PaperArgs,
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum IdcardCmd {
    /// Decode a captured reply frame of a card read
    Decode {
        /// The captured bytes (raw, or hex text with --hex)
        file: PathBuf,
        /// FILE holds hex text (spaces and newlines ignored)
        #[arg(long)]
        hex: bool,
        #[command(flatten)]
        json: Json,
    },
    /// Read one card from a real or simulated reader
    Read {
        #[arg(long, value_name = "PATH")]
        port: String,
        #[arg(long, default_value_t = 115_200)]
        baud: u32,
        /// Give up after this many seconds
        #[arg(long, default_value_t = 10)]
        timeout: u64,
        /// Also write the photo as a BMP here (needs the reader vendor's libwlt2bmp.so)
        #[arg(long, value_name = "FILE")]
        photo: Option<PathBuf>,
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum MrzCmd {
    /// Parse MRZ lines (from the arguments, or stdin when none are given)
    Parse {
        lines: Vec<String>,
        #[command(flatten)]
        json: Json,
    },
}

#[derive(Debug, Subcommand)]
pub enum SimCmd {
    /// A simulated ID-card reader. Commands on stdin: place [FILE], remove, fault KIND [N],
    /// delay MS, unplug, replug, quit. KIND: checksum, truncated, silent, sam=HEX, none
    Idcard {
        /// Card description (JSON object, or an array: the first is placed)
        #[arg(long, value_name = "FILE")]
        card: Option<PathBuf>,
        /// Make the port appear at this path (a symlink), so it can be unplugged and replugged
        #[arg(long, value_name = "PATH")]
        link: Option<PathBuf>,
        /// Start with a fault: checksum, truncated, silent, sam=HEX
        #[arg(long)]
        fault: Option<String>,
        /// Delay before every reply, in milliseconds
        #[arg(long, default_value_t = 0)]
        delay_ms: u64,
    },
    /// A simulated MRZ reader: type the lines of a document on stdin, then an empty line
    Mrz {
        #[arg(long, value_name = "PATH")]
        link: Option<PathBuf>,
    },
    /// A simulated receipt printer saving each page as PNG. Commands on stdin: paper-out,
    /// refill, near-end, cover-open, cover-close, out-after N, unplug, replug, quit
    Printer {
        /// Folder for the printed pages
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long, value_name = "PATH")]
        link: Option<PathBuf>,
        /// Paper width in mm (58 or 80)
        #[arg(long, default_value_t = 80, value_parser = paper_mm)]
        width: u32,
        /// Start outside Chinese mode, with code table PC437 (as a printer set up for Western
        /// code tables; `ESC t` chooses others, `FS &` turns Chinese mode on). Default: Chinese
        /// mode (GB18030), as the kiosk's printers
        #[arg(long)]
        no_chinese: bool,
    },
    /// A simulated document camera: a folder whose current.jpg is what lies under the camera.
    /// Prints the device name (sim:DIR) to give to `capture snap` or the kiosk. Commands on
    /// stdin: next, prev, empty, quit
    Camera {
        /// Photographs to put under the camera, in name order
        #[arg(long, value_name = "DIR")]
        images: PathBuf,
        /// The camera's folder [default: a new folder in the temporary directory]
        #[arg(long, value_name = "PATH")]
        link: Option<PathBuf>,
    },
    /// A simulated barcode/QR scanner: each line on stdin is sent as one scan
    Scanner {
        #[arg(long, value_name = "PATH")]
        link: Option<PathBuf>,
        /// Suffix after each code: cr, lf, crlf, tab, none
        #[arg(long, default_value = "crlf")]
        terminator: String,
        /// AIM symbology id to prefix, e.g. Q1
        #[arg(long)]
        aim: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct Json {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCmd {
    /// Check a catalog folder; print every problem and exit non-zero if there is one
    Check {
        /// Catalog folder (defaults to --catalog)
        dir: Option<PathBuf>,
        #[command(flatten)]
        json: Json,
    },
    /// List the themes
    List(#[command(flatten)] Json),
    /// A theme's situational questions, in order
    Questions {
        theme: String,
        #[command(flatten)]
        json: Json,
    },
    /// Plan a theme for a set of answers: items, one set of materials, one form, figures
    Plan {
        theme: String,
        /// An answer to a situational question, KEY=VALUE (repeat for each question)
        #[arg(long = "answer", value_name = "KEY=VALUE")]
        answers: Vec<String>,
        #[command(flatten)]
        json: Json,
    },
    /// Before/after figures per theme and their average
    Stats(#[command(flatten)] Json),
}

#[derive(Debug, Subcommand)]
pub enum CalendarCmd {
    /// The due date: DAYS working days after START_DATE (day 1 is the next working day)
    Due {
        /// YYYY-MM-DD
        start_date: String,
        days: u32,
        #[command(flatten)]
        json: Json,
    },
}

fn paper_mm(s: &str) -> Result<u32, String> {
    match s {
        "58" => Ok(58),
        "80" => Ok(80),
        _ => Err("paper is 58 or 80 (mm)".into()),
    }
}
