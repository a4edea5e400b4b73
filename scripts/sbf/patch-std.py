# Minimal patch so upstream std (rust-web-src 1.96) builds for a custom target with os="solana", arch="bpf"
import sys, re, pathlib
root = pathlib.Path(sys.argv[1]) / "library/std/src/sys"
def sub(rel, old, new, count=1):
    p = root / rel; s = p.read_text()
    if new in s: return
    assert s.count(old) >= count, (rel, old)
    p.write_text(s.replace(old, new))
sub("alloc/mod.rs", '    target_arch = "x86_64",\n', '    target_arch = "x86_64",\n    target_arch = "bpf",\n')
sub("alloc/mod.rs", '    target_os = "zkvm" => {\n        mod zkvm;\n    }\n', '    target_os = "zkvm" => {\n        mod zkvm;\n    }\n    target_os = "solana" => {\n        mod solana;\n    }\n')
(root / "alloc/solana.rs").write_text('''use crate::alloc::{GlobalAlloc, Layout, System};
// Solana programs install their own #[global_allocator]; System is a stub.
#[stable(feature = "alloc_system_type", since = "1.28.0")]
unsafe impl GlobalAlloc for System {
    #[inline] unsafe fn alloc(&self, _layout: Layout) -> *mut u8 { crate::ptr::null_mut() }
    #[inline] unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}
''')
for rel in ["io/error/mod.rs", "thread_local/mod.rs"]:
    p = root / rel; s = p.read_text()
    if 'target_os = "solana"' not in s:
        p.write_text(s.replace('target_os = "zkvm",', 'target_os = "zkvm",\n        target_os = "solana",'))
p = root / "random/mod.rs"; s = p.read_text()
if 'target_os = "solana"' not in s:
    p.write_text(s.replace('target_os = "xous",\n        target_os = "vexos",', 'target_os = "xous",\n        target_os = "vexos",\n        target_os = "solana",').replace('    target_os = "xous",\n    target_os = "vexos",\n)))]', '    target_os = "xous",\n    target_os = "vexos",\n    target_os = "solana",\n)))]'))
# alloc's RawVec computes `elem_size * capacity` with an overflow check, which LLVM lowers to a
# 128-bit `__multi3` libcall that the upstream BPF back end cannot emit: on bpf, do it in 64 bits.
p = pathlib.Path(sys.argv[1]) / "library/alloc/src/raw_vec/mod.rs"; s = p.read_text()
if "edgerun-bpf-layout-array" not in s:
    old = "    match elem_layout.repeat_packed(cap) {\n"
    assert s.count(old) == 1, ("alloc/raw_vec/mod.rs", old)
    s = s.replace(old, """    #[cfg(target_arch = "bpf")] // edgerun-bpf-layout-array
    {
        let size = elem_layout.size() as u64;
        let count = cap as u64;
        let (size_high, size_low, count_high, count_low) = (size >> 32, size & 0xffff_ffff, count >> 32, count & 0xffff_ffff);
        let cross = size_high.wrapping_mul(count_low).wrapping_add(size_low.wrapping_mul(count_high));
        if (size_high != 0 && count_high != 0) || cross > 0xffff_ffff {
            return Err(CapacityOverflow.into());
        }
        let total = match (cross << 32).checked_add(size_low.wrapping_mul(count_low)) {
            Some(total) if total <= isize::MAX as u64 => total,
            _ => return Err(CapacityOverflow.into()),
        };
        return match Layout::from_size_align(total as usize, elem_layout.align()) {
            Ok(layout) => Ok(layout),
            Err(_) => Err(CapacityOverflow.into()),
        };
    }
""" + old)
    p.write_text(s)
print("patched")
