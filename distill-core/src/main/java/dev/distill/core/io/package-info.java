/**
 * Files: {@link dev.distill.core.io.SafeTensors} reads and writes the safetensors format,
 * {@link dev.distill.core.io.TensorData} holds a tensor on the Java heap independently of any
 * engine (bf16 and fp16 converted in Java), {@link dev.distill.core.io.AtomicFiles} writes files
 * and directories atomically, and {@link dev.distill.core.io.MalformedFileException} names the file
 * and the rule a bad file breaks.
 */
package dev.distill.core.io;
