//! Guest side of Edgerun ABI v1 for `#![no_std]` Rust guests.
//!
//! Provides the `edgerun` imports, a bump allocator over linear memory and a panic handler that
//! traps (`unreachable`, error code 303). A guest crate depends on this and exports
//! `_start` with [`entry!`].
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

#[link(wasm_import_module = "edgerun")]
extern "C" {
    fn input_len() -> i32;
    fn read_input(dst: i32, offset: i32, len: i32) -> i32;
    fn write_output(ptr: i32, len: i32) -> i32;
}

/// The whole job input.
pub fn input() -> Vec<u8> {
    // SAFETY: host calls with a buffer of exactly `len` writable bytes.
    unsafe {
        let len = input_len() as usize;
        let mut buffer = Vec::with_capacity(len);
        read_input(buffer.as_mut_ptr() as i32, 0, len as i32);
        buffer.set_len(len);
        buffer
    }
}

/// Publishes the job output (the host accepts exactly one call).
pub fn output(bytes: &[u8]) {
    // SAFETY: the host only reads `bytes`.
    unsafe {
        write_output(bytes.as_ptr() as i32, bytes.len() as i32);
    }
}

/// Defines the exported `_start` that runs `$main: fn(Vec<u8>) -> Vec<u8>` on the input.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        pub extern "C" fn _start() {
            let input = $crate::input();
            let out: $crate::__Vec<u8> = $main(input);
            $crate::output(&out);
        }
    };
}
#[doc(hidden)]
pub use alloc::vec::Vec as __Vec;

/// Bump allocator: memory is never reused, which is fine for one short job and keeps
/// allocation deterministic and tiny. Grows linear memory a page at a time as needed; failure
/// (the declared maximum) returns null, which Rust turns into a trap.
struct BumpAllocator {
    next: UnsafeCell<usize>,
}

// SAFETY: wasm guests are single threaded.
unsafe impl Sync for BumpAllocator {}

const PAGE: usize = 65_536;

unsafe impl GlobalAlloc for BumpAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        extern "C" {
            static __heap_base: u8;
        }
        let next = &mut *self.next.get();
        if *next == 0 {
            *next = core::ptr::addr_of!(__heap_base) as usize;
        }
        let start = (*next + layout.align() - 1) & !(layout.align() - 1);
        let Some(end) = start.checked_add(layout.size()) else {
            return core::ptr::null_mut();
        };
        let have = core::arch::wasm32::memory_size(0) * PAGE;
        if end > have {
            let pages = (end - have).div_ceil(PAGE);
            if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
                return core::ptr::null_mut();
            }
        }
        *next = end;
        start as *mut u8
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOCATOR: BumpAllocator = BumpAllocator { next: UnsafeCell::new(0) };

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
