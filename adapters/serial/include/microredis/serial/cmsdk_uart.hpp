// Driver for the ARM CMSDK APB UART (the UARTs of the MPS2 boards and of many Cortex-M designs;
// UART0 of QEMU's mps2-an385/an386 is at 0x40004000). Polled: no interrupts, no FIFO beyond the
// peripheral's one-byte holding registers.
//   DATA +0x0   received byte (read) / byte to send (write)
//   STATE +0x4  bit 0 TX buffer full, bit 1 RX buffer full
//   CTRL +0x8   bit 0 TX enable, bit 1 RX enable
//   BAUDDIV +0x10  clock cycles per bit (at least 16)
#pragma once

#include <cstddef>
#include <cstdint>

#include "port.hpp"

namespace microredis::serial {

class CmsdkUart final : public SerialPort {
 public:
  static constexpr std::uintptr_t kMps2Uart0 = 0x40004000u;

  explicit CmsdkUart(std::uintptr_t base = kMps2Uart0) : base_(base) {}

  // Sets the baud rate divider (peripheral clock / baud; QEMU ignores the rate but wants >= 16)
  // and enables both directions.
  void init(std::uint32_t clock_hz, std::uint32_t baud) {
    std::uint32_t div = baud != 0 ? clock_hz / baud : 16;
    reg(kBauddiv) = div < 16 ? 16 : div;
    reg(kCtrl) = kTxEnable | kRxEnable;
  }

  std::size_t read(char* buf, std::size_t cap) override {
    std::size_t n = 0;
    while (n < cap && (reg(kState) & kRxFull) != 0) buf[n++] = static_cast<char>(reg(kData) & 0xff);
    return n;
  }

  std::size_t write(const char* data, std::size_t n) override {
    std::size_t sent = 0;
    while (sent < n && (reg(kState) & kTxFull) == 0) reg(kData) = static_cast<std::uint8_t>(data[sent++]);
    return sent;
  }

 private:
  static constexpr std::uintptr_t kData = 0x0, kState = 0x4, kCtrl = 0x8, kBauddiv = 0x10;
  static constexpr std::uint32_t kTxFull = 1u << 0, kRxFull = 1u << 1;
  static constexpr std::uint32_t kTxEnable = 1u << 0, kRxEnable = 1u << 1;

  volatile std::uint32_t& reg(std::uintptr_t offset) const {
    return *reinterpret_cast<volatile std::uint32_t*>(base_ + offset);
  }

  std::uintptr_t base_;
};

}  // namespace microredis::serial
