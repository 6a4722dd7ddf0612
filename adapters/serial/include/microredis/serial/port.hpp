// A byte-stream port (a UART, a USB CDC endpoint, a pipe in tests): the transport the serial
// adapter drives. Both calls return at once; the adapter polls.
#pragma once

#include <cstddef>

namespace microredis::serial {

class SerialPort {
 public:
  // Copies up to cap bytes that have arrived into buf; returns how many (0: none yet).
  virtual std::size_t read(char* buf, std::size_t cap) = 0;
  // Hands up to n bytes to the transmitter; returns how many it took (0: it is busy).
  virtual std::size_t write(const char* data, std::size_t n) = 0;

 protected:
  // Ports are not deleted through this interface (no heap needed on firmware).
  ~SerialPort() = default;
};

}  // namespace microredis::serial
