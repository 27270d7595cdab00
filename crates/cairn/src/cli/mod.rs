//! Subcommands of the `cairn` tool.

mod bench;
mod bench_checkpoint;
mod bench_mlp;
mod classify;
mod convert;
mod eval;
mod freeze;
mod inspect;
mod progress;
mod retrain;
mod run;
mod tensorboard;
mod train;

use clap::{Parser, Subcommand};

/// cairn: TensorFlow's classic MNIST workflow, in Rust.
#[derive(Parser, Debug)]
#[command(name = "cairn", version, about)]
pub struct Cli {
    /// Print nothing but errors (`--json` output still goes to stdout).
    #[arg(long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train a model on MNIST.
    Train(train::TrainArgs),
    /// Score a checkpoint on MNIST (with its moving averages by default).
    Eval(eval::EvalArgs),
    /// Time a training step (MLP: also its two big GEMMs; `--model lenet`) for `cargo xtask bench`.
    #[command(name = "bench-mlp")]
    BenchMlp(bench_mlp::BenchArgs),
    /// Time saving and restoring a big checkpoint (used by `cargo xtask bench`).
    #[command(name = "bench-checkpoint", hide = true)]
    BenchCheckpoint(bench_checkpoint::BenchCheckpointArgs),
    /// List, print, hash (--json), export (--npy) or verify the tensors of a checkpoint.
    Inspect(inspect::InspectArgs),
    /// Convert between checkpoints, .safetensors and .npz, any direction (--only, --rename).
    Convert(convert::ConvertArgs),
    /// Freeze a checkpoint and its .meta graph into a .pb (variables → constants).
    Freeze(freeze::FreezeArgs),
    /// Retrain the last layer of a frozen image model on new classes (transfer learning).
    Retrain(retrain::RetrainArgs),
    /// Run a frozen .pb (or a .meta with --checkpoint): feed .npy files, fetch tensors.
    Run(run::RunArgs),
    /// Top-k labels of images through a frozen image classifier (classify_image.py).
    Classify(classify::ClassifyArgs),
    /// Median/min/max latency of a graph run after warm-up.
    Bench(bench::BenchArgs),
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    progress::set_quiet(cli.quiet);
    match cli.command {
        Command::Train(a) => train::run(a),
        Command::Eval(a) => eval::run(a),
        Command::BenchMlp(a) => bench_mlp::run(a),
        Command::BenchCheckpoint(a) => bench_checkpoint::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Convert(a) => convert::run(a),
        Command::Freeze(a) => freeze::run(a),
        Command::Retrain(a) => retrain::run(a),
        Command::Run(a) => run::run(a),
        Command::Classify(a) => classify::run(a),
        Command::Bench(a) => bench::run(a),
    }
}
