import { PipitProvider, useScreenTracking } from '@pipit/react/native'
import { NavigationContainer, useNavigationContainerRef } from '@react-navigation/native'
import { createNativeStackNavigator } from '@react-navigation/native-stack'
import { pipit } from './analytics'
import { ConsentPrompt } from './ConsentPrompt'
import type { Routes } from './screens'
import { HomeScreen, ProductScreen, SettingsScreen } from './screens'

const Stack = createNativeStackNavigator<Routes>()

export function App() {
  const navigationRef = useNavigationContainerRef<Routes>()
  // One screen view per focused route: Home on start, then every navigation.
  const screenTracking = useScreenTracking(navigationRef, {
    properties: (route) =>
      route.name === 'Product' ? { productId: (route.params as Routes['Product']).id } : undefined,
  })
  return (
    <PipitProvider tracker={pipit}>
      <NavigationContainer ref={navigationRef} {...screenTracking}>
        <Stack.Navigator>
          <Stack.Screen name="Home" component={HomeScreen} />
          <Stack.Screen name="Product" component={ProductScreen} />
          <Stack.Screen name="Settings" component={SettingsScreen} />
        </Stack.Navigator>
      </NavigationContainer>
      <ConsentPrompt />
    </PipitProvider>
  )
}
