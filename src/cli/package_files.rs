//! `gridreel package-files DIR` (hidden): the man pages and the shell completions, made from
//! the clap definitions in `args`, so they always list the flags the binary has. `.ci/package`
//! runs it and the Debian package installs what it writes.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, Failure};

/// The shells whose completions the package installs, with the file each one loads.
const SHELLS: [(Shell, &str); 3] = [
    (Shell::Bash, "gridreel"),
    (Shell::Zsh, "_gridreel"),
    (Shell::Fish, "gridreel.fish"),
];

/// Writes `DIR/man/gridreel.1` (and one page per command, `gridreel-render.1` …) and
/// `DIR/completions/{gridreel,_gridreel,gridreel.fish}`.
pub fn package_files(dir: &Path) -> Result<(), Failure> {
    let man = dir.join("man");
    let completions = dir.join("completions");
    for folder in [&man, &completions] {
        std::fs::create_dir_all(folder).map_err(|e| {
            Failure::other(format!("cannot create folder ({e}): {}", folder.display()))
        })?;
    }
    clap_mangen::generate_to(Cli::command(), &man).map_err(|e| {
        Failure::other(format!(
            "cannot write the man pages ({e}): {}",
            man.display()
        ))
    })?;
    for (shell, name) in SHELLS {
        let path = completions.join(name);
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "gridreel", &mut script);
        std::fs::write(&path, script).map_err(|e| {
            Failure::other(format!(
                "cannot write the {shell} completions ({e}): {}",
                path.display()
            ))
        })?;
    }
    println!("wrote the man pages and completions to {}", dir.display());
    Ok(())
}
