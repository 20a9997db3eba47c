import { render } from 'preact';
import { Store } from './state/store.js';
import { StoreContext } from './ui/hooks.js';
import { App } from './app.js';
import './styles.css';

const store = new Store();
document.documentElement.lang = store.lang;
render(<StoreContext.Provider value={store}><App /></StoreContext.Provider>, document.getElementById('app')!);
void store.start();
// Tests and the benchmark look at the store through this handle (read-only use).
(window as unknown as { parley: Store }).parley = store;
