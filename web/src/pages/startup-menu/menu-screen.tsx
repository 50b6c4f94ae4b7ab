import type { MenuPreview } from './menu-preview';
import './menu-screen.css';

/** The boot menu as the machine's screen shows it. */
export function MenuScreen({ caption, preview }: { caption: string; preview: MenuPreview }) {
  return (
    <figure className="marrow-menu-screen" aria-label={`Preview: ${caption}`}>
      <figcaption className="marrow-menu-screen__caption">{caption}</figcaption>
      <div className="marrow-menu-screen__title">{preview.title}</div>
      <ul className="marrow-menu-screen__items">
        {preview.items.map((item, index) => (
          <li key={`${index}-${item.label}`} className={`marrow-menu-screen__item${item.isDefault ? ' marrow-menu-screen__item--default' : ''}`}>
            {item.label}
          </li>
        ))}
        {preview.items.length === 0 && <li className="marrow-menu-screen__item">(no enabled item)</li>}
      </ul>
      <div className="marrow-menu-screen__footer">{preview.footer}</div>
    </figure>
  );
}
