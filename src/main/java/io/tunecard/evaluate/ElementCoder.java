package io.tunecard.evaluate;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * The coder of the stage's elements (records holding token-id arrays): Java serialization, length
 * prefixed. Unlike Beam's {@code SerializableCoder} it compares elements by their encoding, not by
 * {@code equals} (records compare arrays by identity), so the DirectRunner's mutation checks hold.
 */
public final class ElementCoder<T extends Serializable> extends CustomCoder<T> {
  private static final long serialVersionUID = 1L;
  private final Class<T> type;

  private ElementCoder(Class<T> type) {
    this.type = type;
  }

  public static <T extends Serializable> ElementCoder<T> of(Class<T> type) {
    return new ElementCoder<>(type);
  }

  /** Found by {@code @DefaultCoder(ElementCoder.class)}. */
  public static CoderProvider getCoderProvider() {
    return new CoderProvider() {
      @Override
      @SuppressWarnings("unchecked")
      public <X> Coder<X> coderFor(TypeDescriptor<X> t, List<? extends Coder<?>> components)
          throws CannotProvideCoderException {
        Class<?> raw = t.getRawType();
        if (!Serializable.class.isAssignableFrom(raw)) {
          throw new CannotProvideCoderException(raw + " is not Serializable");
        }
        return (Coder<X>) of((Class<? extends Serializable>) raw);
      }
    };
  }

  @Override
  public void encode(T value, OutputStream out) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
      o.writeObject(value);
    }
    VarInt.encode(bytes.size(), out);
    bytes.writeTo(out);
  }

  @Override
  public T decode(InputStream in) throws IOException {
    int n = VarInt.decodeInt(in);
    byte[] data = in.readNBytes(n);
    if (data.length != n) {
      throw new IOException("truncated element: " + data.length + " of " + n + " bytes");
    }
    try (ObjectInputStream o = new ObjectInputStream(new ByteArrayInputStream(data))) {
      return type.cast(o.readObject());
    } catch (ClassNotFoundException e) {
      throw new IOException("cannot decode a " + type.getName() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ElementCoder<?> other && other.type.equals(type);
  }

  @Override
  public int hashCode() {
    return type.hashCode();
  }
}
