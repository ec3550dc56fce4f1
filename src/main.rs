fn main() {
    std::process::exit(runwait::app::main());
}
