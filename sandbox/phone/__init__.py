"""The console's phone simulator (demo only): `simulator` plays a call one answer at a
time; `views` are its pages under /console/phone."""
