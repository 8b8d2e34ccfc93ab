// A new PIN, typed twice, digits only: what seals the tablet's key for a member.
import { useTranslation } from "react-i18next";

import { TextField } from "./Field";

export function PinFields({
  pin,
  again,
  onPin,
  onAgain,
  errors,
}: {
  pin: string;
  again: string;
  onPin: (value: string) => void;
  onAgain: (value: string) => void;
  errors: Record<string, string>;
}) {
  const { t } = useTranslation();
  return (
    <>
      <TextField name="pin" type="password" inputMode="numeric" label={t("pin.new")} hint={t("pin.new_hint")} value={pin} onChange={onPin} error={errors.pin} />
      <TextField name="pin_again" type="password" inputMode="numeric" label={t("pin.again")} value={again} onChange={onAgain} error={errors.pin_again} />
    </>
  );
}
