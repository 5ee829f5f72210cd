import { render } from 'preact';
import { ApiClient } from './api/client.js';
import { App } from './components/App.js';
import { browserLocalStorage, clientIdFrom } from './logic/client-id.js';
import { browserSessionStorage, TokenStore } from './logic/token-store.js';
import './styles.css';

const tokens = new TokenStore(browserSessionStorage());
const api = new ApiClient({
  baseUrl: import.meta.env.VITE_API_BASE_URL ?? '',
  getToken: () => tokens.get(),
  clientId: clientIdFrom(browserLocalStorage()),
});

render(<App api={api} tokens={tokens} />, document.getElementById('app')!);
