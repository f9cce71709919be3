import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { watchSecurityPolicy } from './composables/security-policy'
import { router } from './router'

// Before any request: a connection the security policy refuses is told apart from a server that is down.
watchSecurityPolicy()
createApp(App).use(createPinia()).use(router).mount('#app')
