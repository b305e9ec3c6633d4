from sitegen.cli import command

command()
