from ..cli.sandbox import sandbox

sandbox(prog_name="python -m mettl_async.sandbox", obj={"debug": False})
