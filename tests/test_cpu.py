"""What CPU this is (``serving/cpu.py``): flags, the family key benchmarks and the
serving choice are kept under, and the libraries torch computes with."""

from __future__ import annotations

import pytest

from s2s_hub.serving.cpu import (
    cpu_family,
    cpuinfo_fields,
    math_libraries,
    native_bf16,
    native_int8_dot,
)

XEON_AMX = (
    "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) "
    "Processor\nflags\t\t: fpu avx2 fma avx512f avx512bw avx512_vnni avx512_bf16 "
    "amx_bf16 amx_tile amx_int8\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\n"
)
EPYC_VNNI = (
    "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9R14\n"
    "flags\t\t: avx2 fma avx512f avx512_vnni avx512_bf16\n"
)
EPYC_AVX2 = (
    "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7R13\n"
    "flags\t\t: avx2 fma\n"
)
GRAVITON = "processor\t: 0\nFeatures\t: fp asimd asimddp sve bf16 i8mm\n"


@pytest.mark.parametrize(
    "cpuinfo, bf16, int8_dot",
    [
        ("processor\t: 0\nflags\t\t: fpu sse2 avx2 fma\n", False, False),
        (
            "processor\t: 0\nflags\t\t: avx2 avx512f avx512_bf16 avx512_vnni\n",
            True,
            True,
        ),
        ("processor\t: 0\nflags\t\t: avx2 avx_vnni amx_bf16 amx_int8\n", True, True),
        ("processor\t: 0\nflags\t\t: avx2 avx512f avx512_vnni\n", False, True),
        ("processor\t: 0\nFeatures\t: fp asimd asimddp sve bf16 i8mm\n", True, True),
        ("processor\t: 0\nFeatures\t: fp asimd\n", False, False),
    ],
)
def test_native_bf16_and_int8_dot_read_the_cpu_flags(tmp_path, cpuinfo, bf16, int8_dot):
    path = tmp_path / "cpuinfo"
    path.write_text(cpuinfo)
    assert native_bf16(path) is bf16
    assert native_int8_dot(path) is int8_dot
    # not Linux: nothing assumed
    assert not native_bf16(tmp_path / "missing")
    assert not native_int8_dot(tmp_path / "missing")


@pytest.mark.parametrize(
    "cpuinfo, key, model",
    [
        (XEON_AMX, "intel-amx", "Intel(R) Xeon(R) Processor"),
        (EPYC_VNNI, "amd-avx512-vnni", "AMD EPYC 9R14"),
        (EPYC_AVX2, "amd-avx2", "AMD EPYC 7R13"),
        (GRAVITON, "arm-dotprod", "unknown CPU"),
    ],
)
def test_the_family_key_names_vendor_and_widest_int8_arithmetic(
    tmp_path, cpuinfo, key, model
):
    path = tmp_path / "cpuinfo"
    path.write_text(cpuinfo)
    family = cpu_family(path)
    assert (family.key, family.model) == (key, model)
    assert "fpu" not in family.flags  # only the flags serving depends on


def test_only_the_first_processor_is_read(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(XEON_AMX)
    assert cpuinfo_fields(path)["processor"] == "0"
    assert cpu_family(tmp_path / "missing").key == "unknown-baseline"


def test_math_libraries_name_the_engine_in_use():
    libraries = math_libraries()
    assert libraries["quantized_engine"] in libraries["quantized_engines"].split(",")
    assert libraries["torch"].startswith("2.")
    # the CPU wheel CI installs is built with MKL and oneDNN
    assert libraries["blas"] == "mkl"
    assert libraries["onednn"][0].isdigit()
