//! The command line's Unix conventions (issue 26): the last of a flag given twice wins,
//! quiet by default with `-v` and `-q`, numeric errors that name the setting's range,
//! `--print-settings` that checks what a render would, `--version`, the editor without a
//! display, `gridreel FOLDER` / `gridreel FILE…`, the package's man pages and completions,
//! and the demo photos found where a package installs them.

use std::path::Path;
use std::process::{Command, Output};

use crate::common;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `gridreel ARGS` with no display in its environment (under the children's deadline).
fn without_display(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gridreel"));
    command
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WAYLAND_SOCKET");
    common::run_measured(&mut command, common::CHILD_DEADLINE).0
}

#[test]
fn a_flag_given_twice_takes_the_last_value() {
    let run = common::gridreel(&[
        "render",
        "--rows",
        "4",
        "--cols",
        "9",
        "--rows",
        "2",
        "--row-speeds",
        "1,2",
        "--background",
        "red",
        "--row-speeds",
        "3",
        "--background",
        "blue",
        "--print-settings",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let ron = stdout(&run);
    let settings: gridreel::settings::Settings = ron::from_str(&ron).unwrap();
    assert_eq!((settings.rows, settings.cols), (2, 9), "{ron}");
    assert_eq!(settings.motion.row_speeds, vec![3.0], "{ron}");
    assert_eq!(settings.background, "blue".parse().unwrap(), "{ron}");
    // -v and -q: the later one wins too.
    let run = common::gridreel(&["render", "-v", "-q", "--print-settings"]);
    assert!(run.status.success(), "{}", stderr(&run));
}

#[test]
fn numeric_errors_name_the_settings_range() {
    for (flag, value, range) in [
        ("--cols", "4294967296", "from 1 to 10000"),
        ("--cols", "0", "from 1 to 10000"),
        ("--rows", "99999999999999999999999", "from 1 to 1000"),
        ("--quality", "52", "from 0 to 51"),
        ("--fps", "1.5", "whole number from 1 to 240"),
        ("--gif-fps", "4294967295", "from 1 to 50"),
        ("--gap", "4294967296", "from 0 to 4096"),
    ] {
        let run = common::gridreel(&["render", flag, value, "--print-settings"]);
        let err = stderr(&run);
        assert_eq!(run.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(
            err.contains(flag) && err.contains(range) && err.contains(value),
            "{flag} {value}: {err}"
        );
        assert!(
            !err.contains("4294967295") || value == "4294967295",
            "{err}"
        );
    }
}

#[test]
fn print_settings_checks_what_a_render_would() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x.mp4");
    let o = out.to_str().unwrap();
    for (extra, needle) in [
        (vec!["--memory-budget", "100000GB"], "memory budget"),
        (vec!["--encoder", "nosuchcodec"], "nosuchcodec"),
        (vec!["--codec", "prores"], "ProRes cannot go into a .mp4"),
        (vec!["--audio", "/no/such/song.mp3"], "/no/such/song.mp3"),
    ] {
        let mut args = vec!["render", "-o", o, "--print-settings"];
        args.extend(extra.iter().copied());
        let run = common::gridreel(&args);
        assert_eq!(run.status.code(), Some(2), "{extra:?}: {}", stderr(&run));
        assert!(stderr(&run).contains(needle), "{extra:?}: {}", stderr(&run));
        assert!(stdout(&run).is_empty(), "{extra:?}: {}", stdout(&run));
    }
    // The output file is not a setting: one that exists does not stop --print-settings.
    std::fs::write(&out, b"precious").unwrap();
    let run = common::gridreel(&["render", "-o", o, "--print-settings"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
}

#[test]
fn render_is_quiet_by_default_verbose_with_v_and_silent_with_q() {
    let photos = tempfile::tempdir().unwrap();
    let bad = common::mixed_folder(photos.path());
    let out_dir = tempfile::tempdir().unwrap();
    let render = |name: &str, extra: &[&str]| {
        let out = out_dir.path().join(name);
        let mut args = vec![
            "--duration",
            "0.3",
            "--tile-height",
            "30",
            "--encoder",
            "auto",
        ];
        args.extend_from_slice(extra);
        let run = common::render_to(photos.path(), &out, &args);
        assert!(run.status.success(), "{name}: {}", stderr(&run));
        assert!(out.exists(), "{name}");
        run
    };
    let skipped_lines = |err: &str| err.lines().filter(|l| l.starts_with("skipped: ")).count();

    // Default: one line per skipped file, the summary, the result; no encoder details.
    let run = render("default.mp4", &[]);
    let err = stderr(&run);
    assert_eq!(skipped_lines(&err), bad.len(), "{err}");
    assert!(err.contains(" photos ("), "the summary: {err}");
    for detail in ["encoder not used", "encoder: ", "peak RSS"] {
        assert!(!err.contains(detail), "{detail}: {err}");
    }
    assert!(stdout(&run).starts_with("wrote "), "{}", stdout(&run));

    // -v: the encoder in use (and any passed over, with why), the peak memory.
    let run = render("verbose.mp4", &["-v"]);
    let err = stderr(&run);
    assert_eq!(skipped_lines(&err), bad.len(), "{err}");
    assert!(
        err.contains("\nencoder: ") && err.contains("peak RSS: "),
        "{err}"
    );
    for line in err.lines().filter(|l| l.starts_with("encoder not used: ")) {
        assert!(line.contains('(') && line.ends_with(')'), "why: {line}");
    }
    assert!(stdout(&run).starts_with("wrote "), "{}", stdout(&run));

    // -q: nothing at all on success.
    let run = render("quiet.mp4", &["--quiet"]);
    assert_eq!(stderr(&run), "");
    assert_eq!(stdout(&run), "");
    // ... but an error still is.
    let run = common::render_to(
        photos.path(),
        &out_dir.path().join("quiet.mp4"),
        &["-q", "--duration", "0.3"],
    );
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("--overwrite"), "{}", stderr(&run));
}

#[test]
fn version_names_the_package_version() {
    let run = common::gridreel(&["--version"]);
    assert!(run.status.success());
    let expected = format!("gridreel {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(stdout(&run).starts_with(&expected), "{}", stdout(&run));
}

#[test]
fn without_a_display_the_editor_points_to_render() {
    let run = without_display(&[]);
    assert_eq!(run.status.code(), Some(1));
    let err = stderr(&run);
    assert!(
        err.contains("the editor needs a display") && err.contains("gridreel render --images"),
        "{err}"
    );
    assert!(!err.contains("winit"), "{err}");
}

#[test]
fn the_editor_takes_one_folder_or_photo_files() {
    let tmp = tempfile::tempdir().unwrap();
    let photo = tmp.path().join("a.jpg");
    common::write_photo(&photo, 1, 64, 48);
    let dir = tmp.path().to_str().unwrap();
    let file = photo.to_str().unwrap();
    let missing = tmp.path().join("nope.jpg");
    for (args, code, needle) in [
        (vec![dir, file], 2, "one folder, or photo files"),
        (vec![file, missing.to_str().unwrap()], 2, "nope.jpg"),
        (vec!["--images", file], 2, "not a folder"),
        (vec!["--images", dir, file], 2, "cannot be used with"),
        // Good paths get as far as the window, which needs a display.
        (vec![dir], 1, "needs a display"),
        (vec![file, file], 1, "needs a display"),
    ] {
        let run = without_display(&args);
        assert_eq!(run.status.code(), Some(code), "{args:?}: {}", stderr(&run));
        assert!(stderr(&run).contains(needle), "{args:?}: {}", stderr(&run));
    }
    // A subcommand's name is still the subcommand.
    let run = common::gridreel(&["render", "--print-settings"]);
    assert!(run.status.success(), "{}", stderr(&run));
}

#[test]
fn package_files_are_made_from_the_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let run = common::gridreel(&["package-files", tmp.path().to_str().unwrap()]);
    assert!(run.status.success(), "{}", stderr(&run));
    let read = |rel: &str| std::fs::read_to_string(tmp.path().join(rel)).unwrap();
    assert!(read("man/gridreel.1").contains("render"));
    let render_page = read("man/gridreel-render.1");
    for flag in ["print\\-settings", "memory\\-budget", "quiet"] {
        assert!(
            render_page.contains(flag),
            "{flag} not in gridreel-render.1"
        );
    }
    for (script, flag) in [
        ("completions/gridreel", "--print-settings"),
        ("completions/_gridreel", "--print-settings"),
        ("completions/gridreel.fish", "print-settings"),
    ] {
        assert!(read(script).contains(flag), "{flag} not in {script}");
    }
    // The bash script is valid bash (zsh and fish are checked by .ci/check-package).
    let ok = Command::new("bash")
        .arg("-n")
        .arg(tmp.path().join("completions/gridreel"))
        .status()
        .unwrap()
        .success();
    assert!(ok);
    // The hidden command is not in the help, the man pages or the completions.
    assert!(!stdout(&common::gridreel(&["--help"])).contains("package-files"));
    assert!(!tmp.path().join("man/gridreel-package-files.1").exists());
}

/// A hard link of the test binary at `PREFIX/bin/gridreel` with three demo photos at
/// `PREFIX/share/gridreel/demo`, run from an empty working folder: it renders those three
/// (not the 36 of the source tree, which is also above it).
#[test]
fn an_installed_binary_finds_its_demo_photos_under_share() {
    let prefix = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let bin = prefix.path().join("bin");
    let demo = prefix.path().join("share/gridreel/demo");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&demo).unwrap();
    let exe = bin.join("gridreel");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_gridreel"), &exe).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_gridreel"), &exe).unwrap();
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    for name in ["photo-001.jpg", "photo-002.jpg", "photo-003.jpg"] {
        std::fs::copy(source.join(name), demo.join(name)).unwrap();
    }
    let work = tempfile::tempdir().unwrap();
    let mut command = Command::new(&exe);
    command
        .args([
            "render",
            "-o",
            "demo.mp4",
            "--duration",
            "0.2",
            "--rows",
            "1",
        ])
        .current_dir(work.path());
    let run = common::run_measured(&mut command, common::CHILD_DEADLINE).0;
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stderr(&run).lines().any(|l| l.starts_with("3 photos (")),
        "{}",
        stderr(&run)
    );
    assert!(work.path().join("demo.mp4").exists());
}
