"""The CPU a measurement ran on, for every benchmark record (standard library only, so that the race
script runs under the system's Python as well as the peers' environment)."""

CPUINFO_FIELDS = {"vendor_id": "cpu_vendor", "cpu family": "cpu_family", "model": "cpu_model_number",
                  "model name": "cpu"}


def cpu_identity():
    """The CPU's vendor, family, model number and model name from /proc/cpuinfo, under the records' keys
    (a virtual machine's model name alone, such as "AMD EPYC", does not tell the core); "unknown" for
    any that the system does not report."""
    found = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                name = CPUINFO_FIELDS.get(key.strip())
                if name and name not in found:
                    found[name] = value.strip()
    except OSError:
        pass
    return {name: found.get(name, "unknown") for name in CPUINFO_FIELDS.values()}
