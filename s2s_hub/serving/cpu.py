"""What CPU this is, in the terms that decide how fast a model serves on it.

The same model and command ran int8 beam search 4.0x faster than fp32 on an AMD
EPYC with AVX-512 VNNI and 1.31x faster on an Intel Xeon with VNNI and AMX (issue
34): serving speed is a property of the CPU family as much as of the model, so
benchmarks record the family and the serving choice is made per family.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
#: /proc/cpuinfo flags of native bfloat16 arithmetic: x86 AVX512-BF16 and AMX, Arm
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})
#: flags of int8 dot products: x86 VNNI (AVX-512 or AVX) and AMX, Arm dotprod
INT8_DOT_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8", "asimddp"})
#: the flags a serving benchmark records: vector width, int8 and bf16 arithmetic
SERVING_FLAGS = frozenset(
    {"avx2", "fma", "avx512f", "avx512bw", *BF16_FLAGS, *INT8_DOT_FLAGS, "amx_tile"}
)
VENDORS = {"GenuineIntel": "intel", "AuthenticAMD": "amd"}


@functools.cache
def cpuinfo_fields(cpuinfo: Path = CPUINFO) -> dict[str, str]:
    """The first processor's ``/proc/cpuinfo`` fields; empty where there is no such
    file (not Linux). Read once per process: every model load asks."""
    if not cpuinfo.is_file():
        return {}
    fields: dict[str, str] = {}
    for line in cpuinfo.read_text(errors="replace").splitlines():
        if not line.strip():
            if fields:
                break
            continue
        name, _, value = line.partition(":")
        fields.setdefault(name.strip(), value.strip())
    return fields


def cpu_flags(cpuinfo: Path = CPUINFO) -> frozenset[str]:
    """The CPU's feature flags (x86 ``flags``, Arm ``Features``)."""
    fields = cpuinfo_fields(cpuinfo)
    return frozenset((fields.get("flags") or fields.get("Features") or "").split())


def native_bf16(cpuinfo: Path = CPUINFO) -> bool:
    """Whether this CPU computes bfloat16 natively (Linux; False where unknown).

    Without it torch emulates bf16 through conversions to fp32: on an AVX2-only
    EPYC, beam search in bf16 answered a sentence 3.4x slower than fp32 and decoded
    batches 15x slower, where the machine of the earlier serving benchmark
    answered 1.8x faster (bench/serving.py on the bundled translation model).
    """
    return bool(BF16_FLAGS & cpu_flags(cpuinfo))


def native_int8_dot(cpuinfo: Path = CPUINFO) -> bool:
    """Whether this CPU has int8 dot-product instructions (VNNI, AMX, Arm dotprod).

    Without them ONNX Runtime multiplies u8 by s8 with an instruction whose
    16-bit sums saturate; its int8 logits then strayed 0.06 from fp32 on a tiny
    model (AVX2 EPYC), and 7-bit weights (``reduce_range``) avoid that.
    """
    return bool(INT8_DOT_FLAGS & cpu_flags(cpuinfo))


def native_amx(cpuinfo: Path = CPUINFO) -> bool:
    """Whether this CPU multiplies int8 matrices on AMX tiles (Xeon since Sapphire
    Rapids), which oneDNN's kernels use and fbgemm's do not
    (``int8_linear.TwoKernelLinear``)."""
    return "amx_int8" in cpu_flags(cpuinfo)


@dataclass(frozen=True)
class CpuFamily:
    """A CPU as serving sees it.

    Attributes:
        vendor: intel, amd, arm or the raw vendor string.
        model: the model name (``Intel(R) Xeon(R) Processor``: hosted machines
            often hide the generation, which is why the flags count).
        flags: the ``SERVING_FLAGS`` it has.
    """

    vendor: str
    model: str
    flags: frozenset[str]

    @property
    def key(self) -> str:
        """A short name of the family, such as ``intel-amx`` or ``amd-avx512-vnni``:
        the widest int8/bf16 arithmetic the CPU has, which is what separates the
        serving figures of this project's machines."""
        if "amx_int8" in self.flags or "amx_bf16" in self.flags:
            isa = "amx"
        elif "avx512_vnni" in self.flags:
            isa = "avx512-vnni"
        elif "avx512f" in self.flags:
            isa = "avx512"
        elif "avx_vnni" in self.flags:
            isa = "avx-vnni"
        elif "avx2" in self.flags:
            isa = "avx2"
        elif "asimddp" in self.flags:
            isa = "dotprod"
        else:
            isa = "baseline"
        return f"{self.vendor}-{isa}"


def cpu_family(cpuinfo: Path = CPUINFO) -> CpuFamily:
    """This machine's ``CpuFamily``."""
    fields = cpuinfo_fields(cpuinfo)
    vendor = fields.get("vendor_id", "")
    if not vendor and "Features" in fields:
        vendor = "arm"
    model = fields.get("model name") or fields.get("Processor") or "unknown CPU"
    return CpuFamily(
        vendor=VENDORS.get(vendor, vendor.lower() or "unknown"),
        model=model,
        flags=cpu_flags(cpuinfo) & SERVING_FLAGS,
    )


def math_libraries() -> dict[str, str]:
    """The libraries torch computes with here: its BLAS, oneDNN's version, the
    quantized engine in use and those it has, and the widest vector code it runs."""
    import torch  # here: the serving config asks for flags before any torch work

    config = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=(\w+)", config)
    onednn = re.search(r"MKL-DNN v([\d.]+)|oneDNN v([\d.]+)", config)
    return {
        "blas": blas.group(1) if blas else "unknown",
        "onednn": next(filter(None, onednn.groups())) if onednn else "unknown",
        "quantized_engine": torch.backends.quantized.engine,
        "quantized_engines": ",".join(torch.backends.quantized.supported_engines),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch": torch.__version__,
    }
