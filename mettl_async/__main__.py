from .cli import main

main(prog_name="mettl-async")
