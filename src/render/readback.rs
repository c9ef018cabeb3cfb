//! A buffer the GPU copies into and the CPU maps to read: the export's read-back ring, a
//! still frame's RGBA, a strip read back once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use super::RenderError;

const MAP_PENDING: u8 = 0;
const MAP_DONE: u8 = 1;
const MAP_FAILED: u8 = 2;

pub(super) struct ReadBack {
    pub buffer: wgpu::Buffer,
    state: Arc<AtomicU8>,
    submission: Option<wgpu::SubmissionIndex>,
}

impl ReadBack {
    pub fn new(device: &wgpu::Device, label: &str, size: u64) -> Self {
        Self {
            buffer: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            state: Arc::new(AtomicU8::new(MAP_PENDING)),
            submission: None,
        }
    }

    /// Submits `encoder` (which ends with a copy into this buffer) and starts mapping it.
    pub fn start_map(&mut self, queue: &wgpu::Queue, encoder: wgpu::CommandEncoder) {
        let submission = queue.submit(std::iter::once(encoder.finish()));
        self.state.store(MAP_PENDING, Ordering::Release);
        let state = Arc::clone(&self.state);
        self.buffer
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |result| {
                state.store(
                    if result.is_ok() { MAP_DONE } else { MAP_FAILED },
                    Ordering::Release,
                );
            });
        self.submission = Some(submission);
    }

    /// Waits until the buffer is mapped.
    pub fn wait_mapped(&mut self, device: &wgpu::Device) -> Result<(), RenderError> {
        let submission = self.submission.take();
        loop {
            match self.state.load(Ordering::Acquire) {
                MAP_DONE => return Ok(()),
                MAP_FAILED => {
                    return Err(RenderError::ReadBack(
                        "mapping the read-back buffer failed".into(),
                    ));
                }
                _ => {}
            }
            device
                .poll(wgpu::PollType::Wait {
                    submission_index: submission.clone(),
                    timeout: None,
                })
                .map_err(|e| RenderError::ReadBack(e.to_string()))?;
        }
    }
}
